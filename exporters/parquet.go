package exporters

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/maillage/maillage/schema"
)

// parquetLieu is one row of the GeoParquet file: the standard's fields
// under their names and in their order, multi-valued fields as lists of
// strings, coordinates as doubles, then maillage's territory codes and
// the point as WKB. A test checks that the columns follow the standard.
type parquetLieu struct {
	ID                            string   `parquet:"id"`
	Pivot                         string   `parquet:"pivot"`
	Nom                           string   `parquet:"nom"`
	Commune                       string   `parquet:"commune"`
	CodePostal                    string   `parquet:"code_postal"`
	CodeINSEE                     string   `parquet:"code_insee,optional"`
	Adresse                       string   `parquet:"adresse"`
	ComplementAdresse             string   `parquet:"complement_adresse,optional"`
	Latitude                      *float64 `parquet:"latitude,optional"`
	Longitude                     *float64 `parquet:"longitude,optional"`
	Typologie                     []string `parquet:"typologie,list"`
	Telephone                     string   `parquet:"telephone,optional"`
	Courriels                     []string `parquet:"courriels,list"`
	SiteWeb                       []string `parquet:"site_web,list"`
	Horaires                      string   `parquet:"horaires,optional"`
	PresentationResume            string   `parquet:"presentation_resume,optional"`
	PresentationDetail            string   `parquet:"presentation_detail,optional"`
	Source                        string   `parquet:"source,optional"`
	Itinerance                    []string `parquet:"itinerance,list"`
	StructureParente              string   `parquet:"structure_parente,optional"`
	DateMaj                       int32    `parquet:"date_maj,date"`
	Services                      []string `parquet:"services,list"`
	PublicsSpecifiquementAdresses []string `parquet:"publics_specifiquement_adresses,list"`
	PriseEnChargeSpecifique       []string `parquet:"prise_en_charge_specifique,list"`
	FraisACharge                  []string `parquet:"frais_a_charge,list"`
	DispositifProgrammesNationaux []string `parquet:"dispositif_programmes_nationaux,list"`
	FormationsLabels              []string `parquet:"formations_labels,list"`
	AutresFormationsLabels        []string `parquet:"autres_formations_labels,list"`
	ModalitesAcces                []string `parquet:"modalites_acces,list"`
	ModalitesAccompagnement       []string `parquet:"modalites_accompagnement,list"`
	FicheAccesLibre               string   `parquet:"fiche_acces_libre,optional"`
	PriseRdv                      string   `parquet:"prise_rdv,optional"`

	Region      string `parquet:"region,optional"`
	Departement string `parquet:"departement,optional"`
	EPCI        string `parquet:"epci,optional"`
	Geometry    []byte `parquet:"geometry,optional"`
}

// parquetRowGroup is how many lieux a row group holds: a reader can skip
// whole groups by their statistics, and the writer holds one at a time.
const parquetRowGroup = 10000

// ParquetWriter streams lieux into a GeoParquet 1.1 file: one row group
// every parquetRowGroup lieux, zstd-compressed columns, and the "geo"
// key of the footer describing the WKB point column (OGC:CRS84, the
// default CRS, so no crs member) with its bounding box.
type ParquetWriter struct {
	pw    *parquet.GenericWriter[parquetLieu]
	batch []parquetLieu
	bbox  [4]float64 // min lon, min lat, max lon, max lat
	types map[string]bool
}

// NewParquetWriter starts a file.
func NewParquetWriter(w io.Writer) *ParquetWriter {
	return &ParquetWriter{
		pw: parquet.NewGenericWriter[parquetLieu](w, parquet.Compression(&zstd.Codec{}),
			parquet.CreatedBy("maillage", "", "")),
		bbox:  [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)},
		types: map[string]bool{},
	}
}

// Write adds one lieu.
func (p *ParquetWriter) Write(l *schema.Lieu) error {
	row, err := p.row(l)
	if err != nil {
		return err
	}
	p.batch = append(p.batch, row)
	if len(p.batch) == parquetRowGroup {
		return p.flush()
	}
	return nil
}

func (p *ParquetWriter) row(l *schema.Lieu) (parquetLieu, error) {
	days, err := dateDays(l.DateMaj)
	if err != nil {
		return parquetLieu{}, fmt.Errorf("exporters: parquet row %s: date_maj: %w", l.ID, err)
	}
	r := parquetLieu{
		ID: l.ID, Pivot: l.Pivot, Nom: l.Nom, Commune: l.Commune, CodePostal: l.CodePostal, CodeINSEE: l.CodeINSEE,
		Adresse: l.Adresse, ComplementAdresse: l.ComplementAdresse, Latitude: l.Latitude, Longitude: l.Longitude,
		Typologie: l.Typologie, Telephone: l.Telephone, Courriels: l.Courriels, SiteWeb: l.SiteWeb, Horaires: l.Horaires,
		PresentationResume: l.PresentationResume, PresentationDetail: l.PresentationDetail, Source: l.Source,
		Itinerance: l.Itinerance, StructureParente: l.StructureParente, DateMaj: days, Services: l.Services,
		PublicsSpecifiquementAdresses: l.PublicsSpecifiquementAdresses, PriseEnChargeSpecifique: l.PriseEnChargeSpecifique,
		FraisACharge: l.FraisACharge, DispositifProgrammesNationaux: l.DispositifProgrammesNationaux,
		FormationsLabels: l.FormationsLabels, AutresFormationsLabels: l.AutresFormationsLabels,
		ModalitesAcces: l.ModalitesAcces, ModalitesAccompagnement: l.ModalitesAccompagnement,
		FicheAccesLibre: l.FicheAccesLibre, PriseRdv: l.PriseRdv,
	}
	if t := l.Territoire; t != nil {
		r.Region, r.Departement, r.EPCI = t.Region, t.Departement, t.EPCI
	}
	if lon, lat, ok := l.Point(); ok {
		if r.Geometry, err = wkb.Marshal(orb.Point{lon, lat}); err != nil {
			return parquetLieu{}, fmt.Errorf("exporters: parquet row %s: geometry: %w", l.ID, err)
		}
		p.bbox = [4]float64{min(p.bbox[0], lon), min(p.bbox[1], lat), max(p.bbox[2], lon), max(p.bbox[3], lat)}
		p.types["Point"] = true
	}
	return r, nil
}

// flush writes the lieux held as one row group.
func (p *ParquetWriter) flush() error {
	if len(p.batch) == 0 {
		return nil
	}
	if _, err := p.pw.Write(p.batch); err != nil {
		return fmt.Errorf("exporters: parquet: %w", err)
	}
	if err := p.pw.Flush(); err != nil {
		return fmt.Errorf("exporters: parquet: %w", err)
	}
	clear(p.batch)
	p.batch = p.batch[:0]
	return nil
}

// geoMetadata is the GeoParquet 1.1 "geo" metadata of the file.
type geoMetadata struct {
	Version       string                       `json:"version"`
	PrimaryColumn string                       `json:"primary_column"`
	Columns       map[string]geoColumnMetadata `json:"columns"`
}

type geoColumnMetadata struct {
	Encoding      string    `json:"encoding"`
	GeometryTypes []string  `json:"geometry_types"`
	BBox          []float64 `json:"bbox,omitempty"`
}

// Close writes the last row group and the footer with the geo metadata.
func (p *ParquetWriter) Close() error {
	if err := p.flush(); err != nil {
		return err
	}
	col := geoColumnMetadata{Encoding: "WKB", GeometryTypes: []string{}}
	if p.types["Point"] {
		col.GeometryTypes = []string{"Point"}
		col.BBox = p.bbox[:]
	}
	meta, err := json.Marshal(geoMetadata{Version: "1.1.0", PrimaryColumn: "geometry", Columns: map[string]geoColumnMetadata{"geometry": col}})
	if err != nil {
		return fmt.Errorf("exporters: parquet geo metadata: %w", err)
	}
	p.pw.SetKeyValueMetadata("geo", string(meta))
	if err := p.pw.Close(); err != nil {
		return fmt.Errorf("exporters: parquet: %w", err)
	}
	return nil
}
