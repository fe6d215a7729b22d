//go:build !linux

package cavra

import (
	"errors"
	"net"
)

// peerOf is not implemented off Linux: every connection is refused, so the
// control socket serves nobody there yet (see docs/http-api.md). The socket
// file's mode (0600, in a 0700 directory) is then the only protection a port
// would have, and approving needs the peer's process, which only Linux
// reports here.
func peerOf(c *net.UnixConn) (Peer, error) {
	return Peer{}, errors.New("cavra: control socket peer credentials are only implemented on Linux")
}

func umask(m int) int { return 0 }
