package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/maillage/maillage/schema"
)

func cmdValidate(env environment, args []string) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	version := fs.String("schema", schema.CurrentVersion, "version of the standard: "+strings.Join(schema.Versions(), ", "))
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintln(env.stderr, "maillage validate: one file expected")
		return 2
	}
	rep, err := validateFile(pos[0], *version)
	if err != nil {
		fmt.Fprintf(env.stderr, "maillage validate: %v\n", err)
		return 2
	}
	if err := rep.WriteText(env.stdout, filepath.Base(pos[0])); err != nil {
		return 2
	}
	if !rep.Valid() {
		return 1
	}
	return 0
}

func validateFile(path, version string) (*schema.ValidationReport, error) {
	ts, err := schema.LoadTableSchema(version)
	if err != nil {
		return nil, err
	}
	v, err := schema.NewValidator(ts)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var t schema.Table
	var sep rune = ','
	if strings.EqualFold(filepath.Ext(path), ".json") {
		t, err = schema.ReadJSONTable(f)
	} else {
		t, sep, err = schema.ReadCSVTable(f)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rep := v.Validate(t)
	if sep != ',' {
		rep.Findings = append([]schema.Finding{{Row: 1, Rule: "dialect", Severity: schema.SeverityError, Value: string(sep),
			Message: "le standard impose la virgule comme séparateur de colonnes"}}, rep.Findings...)
	}
	return rep, nil
}
