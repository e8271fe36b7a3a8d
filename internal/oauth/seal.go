package oauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// sealer encrypts and authenticates what the server stores and hands out (AES-256-GCM): every
// record of the store, and the client ids of dynamically registered clients. Its keys are
// derived from MCP_OAUTH_KEY (HKDF-SHA256, one key per purpose); the first key seals, every key
// opens, so that a new MCP_OAUTH_KEY can be put first while the old one still opens what it
// sealed.
type sealer struct {
	keys []sealKey
}

type sealKey struct {
	id   [4]byte // names the key in what it sealed
	aead cipher.AEAD
	mac  []byte // HMAC-SHA256 key for client secrets
}

// Purposes of derived keys.
const (
	infoRecords = "jana-mcp oauth records v1"
	infoMAC     = "jana-mcp oauth client secrets v1"
)

func newSealer(secrets []string) (*sealer, error) {
	if len(secrets) == 0 {
		return nil, errors.New("no key")
	}
	s := &sealer{}
	for _, secret := range secrets {
		enc, err := hkdf.Key(sha256.New, []byte(secret), nil, infoRecords, 32)
		if err != nil {
			return nil, err
		}
		mac, err := hkdf.Key(sha256.New, []byte(secret), nil, infoMAC, 32)
		if err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(enc)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k := sealKey{aead: aead, mac: mac}
		sum := sha256.Sum256(enc)
		copy(k.id[:], sum[:])
		s.keys = append(s.keys, k)
	}
	return s, nil
}

// seal encrypts plaintext bound to context (the store key, or the purpose of a client id):
// what was sealed for one context does not open for another.
func (s *sealer) seal(context string, plaintext []byte) []byte {
	k := s.keys[0]
	out := make([]byte, 0, len(k.id)+k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	out = append(out, k.id[:]...)
	nonce := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, plaintext, []byte(context))
}

// errUnsealable is ciphertext that no key opens: tampered, truncated, sealed for another
// context or with a key no longer configured.
var errUnsealable = errors.New("cannot open sealed data")

// open decrypts what seal sealed for context.
func (s *sealer) open(context string, sealed []byte) ([]byte, error) {
	for _, k := range s.keys {
		n := len(k.id) + k.aead.NonceSize()
		if len(sealed) < n+k.aead.Overhead() || [4]byte(sealed[:4]) != k.id {
			continue
		}
		out, err := k.aead.Open(nil, sealed[len(k.id):n], sealed[n:], []byte(context))
		if err != nil {
			return nil, errUnsealable
		}
		return out, nil
	}
	return nil, errUnsealable
}

// mac is an HMAC of msg under the key that sealed sealed (the first key for new material), so
// that a client secret derived from a client id survives a key rotation with it.
func (s *sealer) mac(sealed []byte, msg string) ([]byte, error) {
	k := s.keys[0]
	if sealed != nil {
		found := false
		for _, c := range s.keys {
			if len(sealed) >= 4 && [4]byte(sealed[:4]) == c.id {
				k, found = c, true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("mac: %w", errUnsealable)
		}
	}
	h := hmac.New(sha256.New, k.mac)
	h.Write([]byte(msg))
	return h.Sum(nil), nil
}
