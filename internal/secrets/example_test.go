package secrets_test

import (
	"fmt"
	"strings"

	"github.com/cavra-dev/cavra/internal/secrets"
)

func Example() {
	// Built at run time so that no key-shaped literal sits in the source.
	key := "AKIA" + strings.Repeat("Z7", 8)
	cmd := "curl -H 'Authorization: Bearer abc123XYZ789def456' https://deploy:hunter22@ci.example/?aws=" + key
	for _, m := range secrets.Find(cmd) {
		fmt.Printf("%-17s %s\n", m.Kind, cmd[m.Start:m.End])
	}
	// Output:
	// authorization     abc123XYZ789def456
	// url-password      hunter22
	// aws-access-key-id AKIAZ7Z7Z7Z7Z7Z7Z7Z7
}

func ExampleSecretEnvName() {
	for _, name := range []string{"GITHUB_TOKEN", "DATABASE_URL", "AWS_ACCESS_KEY_ID", "TOKENIZERS_PARALLELISM", "db_password_file"} {
		fmt.Println(name, secrets.SecretEnvName(name))
	}
	// Output:
	// GITHUB_TOKEN true
	// DATABASE_URL true
	// AWS_ACCESS_KEY_ID false
	// TOKENIZERS_PARALLELISM false
	// db_password_file false
}
