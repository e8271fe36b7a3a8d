package oauth

import (
	"bytes"
	"errors"
	"testing"
)

// TestSealer: what is sealed opens only with a configured key and for the context it was
// sealed for; a flipped bit is refused; a new key put first still opens what the old one
// sealed, and client secrets derived under the old key stay the same.
func TestSealer(t *testing.T) {
	t.Parallel()
	oldKey, newKey := "old-key-0123456789abcdef-0123456789", "new-key-0123456789abcdef-0123456789"
	old, err := newSealer([]string{oldKey})
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte(`{"jana":{"Access":"eyJ..."}}`)
	sealed := old.seal("grant:1", msg)
	if bytes.Contains(sealed, msg) || bytes.Contains(sealed, []byte("eyJ")) {
		t.Fatal("sealed data holds the plaintext")
	}
	if got, err := old.open("grant:1", sealed); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := old.open("grant:2", sealed); !errors.Is(err, errUnsealable) {
		t.Errorf("opened for another record: %v", err)
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		if _, err := old.open("grant:1", bad); err == nil {
			t.Fatalf("a flipped bit at %d was not noticed", i)
		}
	}
	if _, err := old.open("grant:1", sealed[:10]); err == nil {
		t.Error("truncated data opened")
	}
	if a, b := old.seal("k", msg), old.seal("k", msg); bytes.Equal(a, b) {
		t.Error("two seals of the same data are equal: the nonce is not random")
	}

	rotated, _ := newSealer([]string{newKey, oldKey})
	if got, err := rotated.open("grant:1", sealed); err != nil || !bytes.Equal(got, msg) {
		t.Errorf("the old key's data after rotation: %v", err)
	}
	fresh := rotated.seal("grant:1", msg)
	if _, err := old.open("grant:1", fresh); err == nil {
		t.Error("data sealed after rotation opens with the old key alone: the new key does not seal")
	}
	retired, _ := newSealer([]string{newKey})
	if _, err := retired.open("grant:1", sealed); err == nil {
		t.Error("data of a retired key still opens")
	}
	m1, _ := old.mac(sealed, "client-secret:x")
	m2, _ := rotated.mac(sealed, "client-secret:x")
	if !bytes.Equal(m1, m2) {
		t.Error("a client secret changed with the key rotation")
	}
	if _, err := retired.mac(sealed, "client-secret:x"); err == nil {
		t.Error("a secret derived for a retired key")
	}
}
