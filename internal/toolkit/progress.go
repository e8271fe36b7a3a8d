package toolkit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Progress notifications (notifications/progress) for clients that send a progress token:
// tools report steps (Progress), and a call still waiting for Jana reports that it is, every
// ProgressEvery, so that a client can show it and keep the call alive. Without a token nothing
// is sent.

type progressKey struct{}

// progress is one call's progress toward a client that asked for it.
type progress struct {
	session *mcp.ServerSession
	token   any
	started time.Time

	// sending is held from choosing a value to handing it to the session, so that the ticker
	// and the tool's steps cannot send their values in the other order.
	sending     sync.Mutex
	mu          sync.Mutex
	sent        float64 // the last progress value sent: each must be larger
	done, total float64
	message     string
}

// startProgress gives the call a progress reporter when the client sent a progress token,
// and starts the reports of a call that waits. stop ends them.
func (env *Env) startProgress(ctx context.Context, req *mcp.CallToolRequest) (context.Context, func()) {
	if req == nil || req.Params == nil || req.Session == nil {
		return ctx, func() {}
	}
	token := req.Params.GetProgressToken()
	if token == nil {
		return ctx, func() {}
	}
	p := &progress{session: req.Session, token: token, started: time.Now(), sent: -1}
	ctx = context.WithValue(ctx, progressKey{}, p)
	every := env.ProgressEvery
	if every <= 0 {
		every = DefaultProgressEvery
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				p.waiting(ctx)
			}
		}
	})
	return ctx, func() { close(done); wg.Wait() }
}

// Progress reports that done of total steps of the call are finished (total 0: unknown),
// with a short message such as "station 3 of 12". It does nothing when the client did not ask
// for progress.
func Progress(ctx context.Context, done, total int, message string) {
	p, _ := ctx.Value(progressKey{}).(*progress)
	if p == nil {
		return
	}
	p.mu.Lock()
	p.done, p.total, p.message = float64(done), float64(total), message
	p.mu.Unlock()
	p.send(ctx, float64(done), message)
}

// waiting reports that the call is still waiting, a little past the last step.
func (p *progress) waiting(ctx context.Context) {
	p.mu.Lock()
	done, total, msg := p.done, p.total, p.message
	p.mu.Unlock()
	if total > 0 && done >= total {
		return // every step is done: the answer is on its way, not waiting for Jana
	}
	elapsed := time.Since(p.started).Round(time.Second)
	text := fmt.Sprintf("still waiting for Jana after %s", elapsed)
	if msg != "" {
		text = msg + "; " + text
	}
	p.send(ctx, done, text)
}

// send notifies the client; progress always grows, as the protocol requires.
func (p *progress) send(ctx context.Context, value float64, message string) {
	p.sending.Lock()
	defer p.sending.Unlock()
	p.mu.Lock()
	if value <= p.sent {
		value = p.sent + 0.01
	}
	if p.total > 0 && value > p.total {
		value = max(p.total, p.sent+0.01)
	}
	p.sent = value
	params := &mcp.ProgressNotificationParams{ProgressToken: p.token, Progress: value, Total: p.total, Message: message}
	p.mu.Unlock()
	_ = p.session.NotifyProgress(ctx, params) // a client that went away is not the call's problem
}
