module github.com/cavra-dev/cavra/adapters/mcpgo

go 1.26.0

require github.com/cavra-dev/cavra v0.0.0

require github.com/mark3labs/mcp-go v1.2.1 // indirect

replace github.com/cavra-dev/cavra => ../..
