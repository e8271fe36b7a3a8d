package jana

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// The operations the adapter calls for itself (sign-in, refresh, the current user, health)
// come from gen/janaops, which api/tools.yaml's adapter section binds to Jana's operations:
// their names and request and answer types are not written here, so that a renamed operation
// is one edit in the manifest and a schema without one still builds.

// jsonBody encodes the request body of one of them.
func jsonBody(v any) io.Reader {
	data, _ := json.Marshal(v) // maps of strings always encode
	return bytes.NewReader(data)
}

// reply is the answer of one of them as it came.
type reply struct {
	status      int
	contentType string
	body        []byte
}

// receive reads the answer of one of them, whatever its status; the error is a failure to get
// one, as an *Error.
func receive(op string, resp *http.Response, err error) (reply, error) {
	if err != nil {
		return reply{}, transportError(op, err)
	}
	body, err := responseBytes(resp)
	if err != nil {
		return reply{}, transportError(op, err)
	}
	return reply{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: body}, nil
}

// answer reads the answer of one of them: its HTTP status (0 when there was no answer) and
// its JSON body when the status is 200, else an *Error.
func answer(op string, resp *http.Response, err error) (int, []byte, error) {
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	body, err := Decode[json.RawMessage](op, resp, err)
	if err != nil {
		return status, nil, err
	}
	return status, *body, nil
}
