package wire

import "os"

// PeerTrusted is the rule both ends apply to PeerUID: the client is
// answered, and the daemon believed, only when the other end is root or
// this process's own effective user.
func PeerTrusted(uid int) bool { return uid == 0 || uid == os.Geteuid() }
