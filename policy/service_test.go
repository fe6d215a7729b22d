package policy

import (
	"strings"
	"testing"
)

func TestServiceOp(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"aws ecs update-service --cluster prod --service api", "change"},
		{"aws ec2 describe-instances", "read"},
		{"aws --profile prod s3api put-bucket-policy --bucket b --policy file://p.json", "change"},
		{"aws s3 ls s3://b", "read"},
		{"aws s3 cp s3://b/x .", "read"},
		{"aws s3 sync dist s3://b", "change"},
		{"aws configure list", ""},
		{"aws sts get-caller-identity", "read"},
		{"gcloud run services list", "read"},
		{"gcloud run deploy api --image x", "change"},
		{"gcloud config set project acme", ""},
		{"az deployment group create -g rg-prod -f main.bicep", "change"},
		{"az account show", ""},
		{"heroku config:set X=1 -a app", "change"},
		{"heroku logs --tail -a app", "read"},
		{"heroku run rails db:migrate -a acme-prod", "change"},
		{"nomad job run jobs/api.nomad", "change"},
		{"nomad job status api", "read"},
		{"packer build ami.pkr.hcl", "change"},
		{"packer validate ami.pkr.hcl", ""},
		{"ko build ./cmd/api", "change"},
		{"ko build --local ./cmd/api", ""},
		{"supabase start", ""},
		{"supabase db push", "change"},
		{"oras pull ghcr.io/acme/x:1", "read"},
		{"go build ./...", ""},
		{"gcloud compute instances create test-vm --zone us-central1-a --machine-type e2-small", "change"},
		{"gcloud projects get-iam-policy acme", "read"},
	} {
		f := strings.Fields(tc.line)
		if got := serviceOp(f[0], f[1:]); got != tc.want {
			t.Errorf("serviceOp(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestServiceEnvAndMigrations(t *testing.T) {
	if got := serviceEnv(strings.Fields("ecs update-service --cluster prod --service api")); got != envProduction {
		t.Errorf("cluster prod: %q", got)
	}
	if got := serviceEnv(strings.Fields("lambda update-function-code --function-name staging-api")); got != envStaging {
		t.Errorf("staging function: %q", got)
	}
	if got := serviceEnv(strings.Fields("ec2 describe-instances --region eu-west-1")); got != "" {
		t.Errorf("no environment: %q", got)
	}
	if got := composeFileEnv("docker", strings.Fields("compose -f docker-compose.prod.yml up -d")); got != envProduction {
		t.Errorf("prod compose up: %q", got)
	}
	if got := composeFileEnv("docker", strings.Fields("compose -f docker-compose.prod.yml config")); got != "" {
		t.Errorf("compose config changes nothing: %q", got)
	}
	for _, line := range []string{"mix ecto.migrate", "alembic upgrade head", "npx prisma migrate deploy", "python manage.py migrate", "flyway -url=x migrate", "goose up"} {
		f := strings.Fields(line)
		if !frameworkMigrate(f[0], f[1:]) {
			t.Errorf("%q is a migration", line)
		}
	}
	for _, line := range []string{"mix test", "alembic history", "npx prisma generate", "python manage.py runserver", "flyway info", "goose status"} {
		f := strings.Fields(line)
		if frameworkMigrate(f[0], f[1:]) {
			t.Errorf("%q is no migration", line)
		}
	}
}
