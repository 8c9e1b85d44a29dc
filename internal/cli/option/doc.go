// Package option holds flag groups shared by several commands, embedded into
// each command's flags as the ORAS CLI does (option.Remote, option.Platform).
package option
