package main

import "github.com/cavra-dev/cavra/confine"

// confineOptions run the shell tool's commands confined when the kernel
// offers Landlock, and unconfined — recorded as such — when it does not,
// so that the example runs everywhere. A real agent leaves BestEffort off.
var confineOptions = confine.Options{BestEffort: true}
