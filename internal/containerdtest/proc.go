package containerdtest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// RSS is the daemon's resident set size in bytes (VmRSS of
// /proc/<pid>/status).
func (d *Daemon) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", d.PID))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("containerdtest: VmRSS line %q: %w", line, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("containerdtest: no VmRSS in /proc/%d/status", d.PID)
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux architecture Go supports.
const clockTick = 100

// CPUTime is the CPU time (user and system) the daemon has used, from
// /proc/<pid>/stat.
func (d *Daemon) CPUTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", d.PID))
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("containerdtest: /proc/%d/stat: no command field", d.PID)
	}
	f := strings.Fields(s[i+1:])
	// After the command: state is field 3, utime 14 and stime 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("containerdtest: /proc/%d/stat: %d fields", d.PID, len(f))
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("containerdtest: /proc/%d/stat: %w", d.PID, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTick, nil
}
