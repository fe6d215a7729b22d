package cavra

import (
	"net"

	"golang.org/x/sys/unix"
)

// peerOf asks the kernel who is at the other end (SO_PEERCRED).
func peerOf(c *net.UnixConn) (Peer, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return Peer{}, err
	}
	var cred *unix.Ucred
	var serr error
	if err := raw.Control(func(fd uintptr) { cred, serr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED) }); err != nil {
		return Peer{}, err
	}
	if serr != nil {
		return Peer{}, serr
	}
	return Peer{PID: int(cred.Pid), UID: int(cred.Uid)}, nil
}

func umask(m int) int { return unix.Umask(m) }
