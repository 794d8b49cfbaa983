-- lieux_gis: the published lieux for GIS and BI tools (QGIS, Metabase…),
-- one row per lieu, the standard's fields as columns (lists joined with
-- « | » as in the CSV), the point as geometry(Point, 4326). Read it, never
-- write it: maillage owns the tables behind it. README « PostgreSQL »
-- says how to connect QGIS and grant a read-only role.
CREATE VIEW lieux_gis AS
SELECT l.id,
       l.data->>'nom'                AS nom,
       l.data->>'pivot'              AS pivot,
       l.data->>'structure_parente'  AS structure_parente,
       l.data->>'adresse'            AS adresse,
       l.data->>'complement_adresse' AS complement_adresse,
       l.data->>'code_postal'        AS code_postal,
       l.data->>'code_insee'         AS code_insee,
       l.data->>'commune'            AS commune,
       (SELECT string_agg(v, '|') FROM json_array_elements_text(l.data->'typologie') v)                       AS typologie,
       l.data->>'telephone'          AS telephone,
       (SELECT string_agg(v, '|') FROM json_array_elements_text(l.data->'courriels') v)                       AS courriels,
       (SELECT string_agg(v, '|') FROM json_array_elements_text(l.data->'site_web') v)                        AS site_web,
       l.data->>'horaires'           AS horaires,
       l.data->>'presentation_resume' AS presentation_resume,
       (SELECT string_agg(v, '|') FROM json_array_elements_text(l.data->'services') v)                        AS services,
       (SELECT string_agg(v, '|') FROM json_array_elements_text(l.data->'dispositif_programmes_nationaux') v) AS dispositif_programmes_nationaux,
       (SELECT string_agg(v, '|') FROM json_array_elements_text(l.data->'itinerance') v)                      AS itinerance,
       l.data->>'prise_rdv'          AS prise_rdv,
       l.data->>'source'             AS source,
       l.data->>'date_maj'           AS date_maj,
       l.data->'territoire'->>'departement' AS departement,
       l.data->'territoire'->>'region'      AS region,
       l.data->'territoire'->>'epci'        AS epci,
       l.data->'placement'->>'source'       AS placement,
       l.created_at,
       l.updated_at,
       l.revision,
       l.geom
FROM lieux l
WHERE l.deleted_at IS NULL;
