// Package schema is the national standard for lieux de médiation numérique
// (Schéma de données des lieux de médiation numérique, v1.0.2) as Go types:
// the embedded official Table Schemas of every released version, validation
// with the standard's exact rules, the 0.x → 1.x upgrade, column mapping and
// the value normalisers that turn a raw harvested record into a Lieu.
//
// The package does no network and no storage I/O.
package schema
