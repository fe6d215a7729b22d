// Package servepython holds client.py, a Python client of `cavra serve`
// that uses the standard library only, and the test that runs it against a
// real cavra serve. See client.py.
package servepython
