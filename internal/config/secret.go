package config

import "github.com/janaplatform/jana-mcp/internal/secret"

// Secret is a credential (password or token) that never prints: see secret.Value. It is an
// alias so that the adapter (internal/jana) takes the settings' secrets without importing
// this package.
type Secret = secret.Value
