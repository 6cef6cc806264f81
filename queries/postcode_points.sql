-- Postcodes (OS Code-Point Open, LE area) with their point and LSOA 2021, for venues
-- given by postcode.
SELECT postcode, easting, northing, lon, lat, lsoa_code
FROM postcodes
ORDER BY postcode
