package pathtrust

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Problem says why p, described by fi, is not trusted for the user uid me,
// or "" when it is. With rootOK, root may own it too and, if it is a
// directory with the sticky bit, it may be world-writable (a parent such
// as /tmp). orElse is the alternative fix named after chown (e.g. "set
// another cache_dir").
func Problem(p string, fi fs.FileInfo, me int, rootOK bool, orElse string) string {
	uid, ok := Owner(fi)
	if !ok {
		return "" // no ownership on this platform
	}
	switch {
	case uid != me && !(rootOK && uid == 0):
		who := "the effective user (uid " + fmt.Sprint(me) + ")"
		if rootOK {
			who += " or root"
		}
		return fmt.Sprintf("%s is owned by uid %d, not %s (fix: chown %d %s, or %s)", p, uid, who, me, p, orElse)
	case fi.Mode().Perm()&0o022 != 0 && !(rootOK && uid == 0 && fi.Mode()&fs.ModeSticky != 0):
		return fmt.Sprintf("%s has mode %04o: writable by group or others (fix: chmod go-w %s)", p, fi.Mode().Perm(), p)
	}
	return ""
}

// Parents applies Problem (root allowed) to every directory above p, which
// must be absolute with symbolic links resolved; it returns the problems,
// each naming its path and fix.
func Parents(p string, me int, orElse string) []string {
	var problems []string
	for d := Parent(p); d != ""; d = Parent(d) {
		fi, err := os.Stat(d)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", d, err))
			continue
		}
		if pr := Problem(d, fi, me, true, orElse); pr != "" {
			problems = append(problems, pr)
		}
	}
	return problems
}

// Parent is the directory above p, "" at the root.
func Parent(p string) string {
	d := filepath.Dir(p)
	if d == p {
		return ""
	}
	return d
}
