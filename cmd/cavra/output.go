package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// outputFormat is the value of -o/--output: it sets the bool a command
// reads to choose JSON over text.
type outputFormat struct{ json *bool }

func (f outputFormat) String() string {
	if f.json != nil && *f.json {
		return "json"
	}
	return "text"
}

func (f outputFormat) Set(s string) error {
	switch s {
	case "json":
		*f.json = true
	case "text":
		*f.json = false
	default:
		return fmt.Errorf("unknown output format %q (want json or text)", s)
	}
	return nil
}

func (outputFormat) Type() string { return "json|text" }

// outputFlag gives c the flags every printing command has: -o/--output
// json|text and --json, an alias of -o json. asJSON is set when JSON is
// asked for; usage says what JSON prints.
func outputFlag(c *cobra.Command, asJSON *bool, usage string) {
	c.Flags().VarP(outputFormat{asJSON}, "output", "o", "output format: json or text (json: "+usage+")")
	c.Flags().BoolVar(asJSON, "json", false, "alias of -o json")
}

// documentOutputFlag is outputFlag for a command whose result is a JSON
// document (policy compile): JSON unless -o text is asked for.
func documentOutputFlag(c *cobra.Command, asJSON *bool, usage string) {
	outputFlag(c, asJSON, usage)
	*asJSON = true
	c.Flags().Lookup("output").DefValue = "json"
}
