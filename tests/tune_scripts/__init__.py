"""Scripts written against Ray Tune's API, with only the import changed to raytune_lite.

Each has ``main(storage_path) -> dict`` (what the test checks) and runs as a script. The
test also checks that every ``tune`` name a script uses exists in Ray Tune itself.
"""
