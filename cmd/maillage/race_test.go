//go:build race

package main

// raceBuild says the test binary was built with -race: binaries the
// tests build use it too, and so reuse the packages already compiled.
const raceBuild = true
