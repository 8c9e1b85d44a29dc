// Package closest finds the name a user most likely meant: the "did you
// mean" of the spec decoder's and the policy decoder's unknown-field
// errors.
package closest
