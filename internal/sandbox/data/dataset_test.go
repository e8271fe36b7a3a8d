package data

import (
	"context"
	"sync"
	"testing"
)

var (
	sharedOnce sync.Once
	shared     *Dataset
	sharedErr  error
)

// testDataset builds the dataset once per test binary: building takes a noticeable moment.
func testDataset(t *testing.T) *Dataset {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = Build(context.Background(), 42) })
	if sharedErr != nil {
		t.Fatalf("Build: %v", sharedErr)
	}
	return shared
}

func TestSizes(t *testing.T) {
	d := testDataset(t)
	s := d.Sizes()
	t.Logf("%+v", s)
}
