package data

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// newRand returns a generator for one named stream of the dataset. Streams are independent, so
// generating them in parallel or in a different order never changes the values.
func newRand(seed int64, stream string, index int) *rand.Rand {
	h := fnv.New64a()
	_, _ = h.Write([]byte(stream))
	return rand.New(rand.NewPCG(splitmix(uint64(seed)^h.Sum64()), splitmix(uint64(index)+0x9e3779b97f4a7c15)))
}

// splitmix is the SplitMix64 finaliser: a cheap, well-mixed hash of a 64-bit value.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// lognormal draws exp(N(0, sigma)) scaled so that its median is 1.
func lognormal(r *rand.Rand, sigma float64) float64 {
	return math.Exp(r.NormFloat64() * sigma)
}
