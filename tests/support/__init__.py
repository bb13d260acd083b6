"""What tests share: fixtures (loaded by tests/conftest.py through pytest_plugins) and helpers.

A test imports helpers from here, never from another test module (tests/test_fixture_home.py).
"""
