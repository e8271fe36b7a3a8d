package toolkit

import (
	"fmt"
	"runtime/debug"
	"sync"
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
// others are done.
func Parallel(fns ...func()) { ParallelN(len(fns), fns...) }

// ParallelN is Parallel with at most n of fns running at once, so that a tool fanning out
// over many sensors does not send Jana all its requests in one burst.
func ParallelN(n int, fns ...func()) {
	sem := make(chan struct{}, max(n, 1))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first *PanicError
	)
	for _, f := range fns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			defer func() {
				if r := recover(); r != nil {
					mu.Lock()
					defer mu.Unlock()
					if first == nil {
						first = &PanicError{Value: r, Stack: debug.Stack()}
					}
				}
			}()
			f()
		})
	}
	wg.Wait()
	if first != nil {
		panic(first)
	}
}
