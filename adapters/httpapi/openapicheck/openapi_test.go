// Package openapicheck validates the HTTP API's OpenAPI document with
// libopenapi, in a module of its own so that the core module does not
// depend on it.
package openapicheck

import (
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/cavra-dev/cavra/adapters/httpapi"
)

// TestOpenAPIDocumentValid: the document served at /v1/openapi.json is a
// valid OpenAPI 3.1 document.
func TestOpenAPIDocumentValid(t *testing.T) {
	doc, err := libopenapi.NewDocument(httpapi.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Fatalf("version %q", v)
	}
	if _, err := doc.BuildV3Model(); err != nil {
		t.Fatalf("model: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("%s: %s", e.Message, e.Reason)
			for _, se := range e.SchemaValidationErrors {
				t.Errorf("  %+v", *se)
			}
		}
	}
}

// TestOpenAPIValidatorRefuses: the check is not vacuous — a document
// without info and with a response lacking its description fails.
func TestOpenAPIValidatorRefuses(t *testing.T) {
	bad := []byte(`{"openapi":"3.1.0","paths":{"/x":{"get":{"responses":{"200":{}}}}}}`)
	doc, err := libopenapi.NewDocument(bad)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return // refused already
	}
	if ok, _ := v.ValidateDocument(); ok {
		t.Fatal("an invalid document validated")
	}
}
