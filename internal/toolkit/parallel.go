package toolkit

import (
	"fmt"
	"runtime/debug"
	"sync"

	"golang.org/x/sync/errgroup"
)

// PanicError is a panic caught in a goroutine a tool started, carried to the goroutine that
// serves the call so that the server's recover reports it with the stack where it happened.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

// Parallel runs fns concurrently and returns when all have finished. A panic in one does not
// end the process: it is raised again in the caller's goroutine, as a *PanicError, once the
// others are done. (errgroup alone would let it end the process, by design.)
func Parallel(fns ...func()) { ParallelN(len(fns), fns...) }

// ParallelN is Parallel with at most n of fns running at once, so that a tool fanning out
// over many sensors does not send Jana all its requests in one burst.
func ParallelN(n int, fns ...func()) {
	var (
		g     errgroup.Group
		once  sync.Once
		first *PanicError
	)
	g.SetLimit(max(n, 1))
	for _, f := range fns {
		g.Go(func() error {
			defer func() {
				if r := recover(); r != nil {
					once.Do(func() { first = &PanicError{Value: r, Stack: debug.Stack()} })
				}
			}()
			f()
			return nil
		})
	}
	_ = g.Wait() // the functions return no errors; what they find they keep themselves
	if first != nil {
		panic(first)
	}
}
