package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestScratch(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*")
	for _, f := range files {
		p, err := LoadFile(f)
		if err == nil {
			_, err = CompilePack(p)
		}
		var pe *Error
		if errors.As(err, &pe) {
			fmt.Printf("%s: *Error{Pointer:%q Rule:%q Line:%d Col:%d}\n  %v\n", f, pe.Pointer, pe.Rule, pe.Line, pe.Column, err)
		} else {
			fmt.Printf("%s: %T %v\n", f, err, err)
		}
	}
	_ = os.Stdout
}
