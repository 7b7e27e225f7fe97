/**
 * A throwaway self-signed certificate for one name (app.exitdesk-owner.dev), issuer organisation
 * "Exitdesk Test Issuer", valid for 100 years: a TLS listener on 127.0.0.x presents it on the
 * stand-in for port 443, where a certificate for the right name that nothing trusts is
 * "untrusted". Nothing else uses it. Made with:
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 \
 *     -subj "/O=Exitdesk Test Issuer/CN=app.exitdesk-owner.dev" \
 *     -addext "subjectAltName=DNS:app.exitdesk-owner.dev" -keyout key.pem -out cert.pem
 */
export const NAMED_CERT = `-----BEGIN CERTIFICATE-----
MIIB+zCCAaCgAwIBAgIUPoXHy6Bj8T3z/qzdRFOPFpaivX0wCgYIKoZIzj0EAwIw
QDEdMBsGA1UECgwURXhpdGRlc2sgVGVzdCBJc3N1ZXIxHzAdBgNVBAMMFmFwcC5l
eGl0ZGVzay1vd25lci5kZXYwIBcNMjYxMjA3MDY1ODI1WhgPMjEyNjExMTMwNjU4
MjVaMEAxHTAbBgNVBAoMFEV4aXRkZXNrIFRlc3QgSXNzdWVyMR8wHQYDVQQDDBZh
cHAuZXhpdGRlc2stb3duZXIuZGV2MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
NqIB+qvTz6KyhRzG9AiUSpS6fIGST3XCGiGL6qVr/BFFzSz4MyuyB9YfeHSFU9w/
EoCd3GNNS43sWX/d6D0gu6N2MHQwHQYDVR0OBBYEFOpi1LFEiDV3b7TcS2Catnbz
F2b6MB8GA1UdIwQYMBaAFOpi1LFEiDV3b7TcS2CatnbzF2b6MA8GA1UdEwEB/wQF
MAMBAf8wIQYDVR0RBBowGIIWYXBwLmV4aXRkZXNrLW93bmVyLmRldjAKBggqhkjO
PQQDAgNJADBGAiEA90TDSU/aTWrTzADA84nB1vqpXmCgi97a8gpTlkFDPy8CIQCt
ZN+EMMfFQ0bDghxKTFLFKVwnQPW/S1v8mOZFEi6NBQ==
-----END CERTIFICATE-----`

export const NAMED_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSiuwuYpdz45dZy9o
e6HAKLZ+QzKV2kV/txt4FObFUOehRANCAAQ2ogH6q9PPorKFHMb0CJRKlLp8gZJP
dcIaIYvqpWv8EUXNLPgzK7IH1h94dIVT3D8SgJ3cY01LjexZf93oPSC7
-----END PRIVATE KEY-----`

export const NAMED_CERT_NAME = 'app.exitdesk-owner.dev'
export const NAMED_CERT_ISSUER = 'Exitdesk Test Issuer'
/** notAfter, as openssl printed it. */
export const NAMED_CERT_VALID_TO = '2126-11-13T06:58:25.000Z'
