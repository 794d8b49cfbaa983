package schema

// IssueLevel says what happened to a value.
type IssueLevel string

// Issue levels: a fix changed a value into a valid one; a warning kept a
// doubtful value or dropped an optional one; an error puts the record in
// quarantine.
const (
	LevelFix     IssueLevel = "fix"
	LevelWarning IssueLevel = "warning"
	LevelError   IssueLevel = "error"
)

// Issue is something the normaliser fixed, dropped or could not use in one
// source record, named precisely enough for the producer to act on it.
type Issue struct {
	Field   string     `json:"field,omitempty"`
	Column  string     `json:"column,omitempty"`
	Rule    string     `json:"rule"`
	Value   string     `json:"value,omitempty"`
	Fixed   string     `json:"fixed,omitempty"`
	Message string     `json:"message"`
	Level   IssueLevel `json:"level"`
}

// Status sums up a record's issues.
type Status string

// Record statuses.
const (
	StatusValid       Status = "valid"
	StatusFixed       Status = "fixed"
	StatusQuarantined Status = "quarantined"
)

// StatusOf returns quarantined when any issue is an error, fixed when any
// value was changed or dropped, valid otherwise.
func StatusOf(issues []Issue) Status {
	st := StatusValid
	for _, is := range issues {
		if is.Level == LevelError {
			return StatusQuarantined
		}
		st = StatusFixed
	}
	return st
}
