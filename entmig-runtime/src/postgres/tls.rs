//! How entmig reads a PostgreSQL connection string, and the TLS it connects with.
//!
//! rust-postgres parses URLs and `key=value` strings but knows only `sslmode` `disable`,
//! `prefer` and `require`, and no certificate files. So entmig takes its own parameters out
//! first (`schema`, `sslmode`, `sslrootcert`, `sslcert`, `sslkey`), hands the rest to
//! [`postgres::Config`], and builds the rustls configuration that the mode asks for, by
//! libpq's rules:
//!
//! | sslmode | encrypted | certificate checked |
//! |---|---|---|
//! | `disable` | never | - |
//! | `prefer` (default) | when the server offers it | no |
//! | `require` | always | no |
//! | `verify-ca` | always | signed by a trusted CA |
//! | `verify-full` | always | signed by a trusted CA and naming the host |
//!
//! The trusted CAs are those of `sslrootcert` (a PEM file), else the webpki roots (Mozilla's);
//! `sslrootcert=system` names the webpki roots too.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_cert_signed_by_trust_anchor};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// The `sslmode` of a connection string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Option<SslMode> {
        Some(match value {
            "disable" => SslMode::Disable,
            // libpq's `allow` (plain first, TLS if refused) is close enough to `prefer`.
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    /// The mode rust-postgres negotiates with; the verification is entmig's.
    fn driver_mode(self) -> postgres::config::SslMode {
        match self {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                postgres::config::SslMode::Require
            }
        }
    }
}

/// A connection string, read.
#[derive(Debug)]
pub(crate) struct ConnectOptions {
    /// What rust-postgres connects with (its `sslmode` already mapped).
    pub config: postgres::Config,
    /// The schema whose tables entmig manages (`schema=`, default `public`).
    pub schema: String,
    pub ssl_mode: SslMode,
    root_cert: Option<PathBuf>,
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
}

/// The parameters entmig reads itself; rust-postgres would refuse most of them.
const OURS: [&str; 5] = ["schema", "sslmode", "sslrootcert", "sslcert", "sslkey"];

impl ConnectOptions {
    /// Reads a `postgres://` URL or a `key=value` string; the reason when it cannot.
    pub fn parse(url: &str) -> Result<ConnectOptions, String> {
        let (rest, ours) = split_params(url);
        let mut config = postgres::Config::from_str(&rest).map_err(|e| e.to_string())?;
        let mut options = ConnectOptions {
            config: postgres::Config::new(),
            schema: "public".into(),
            ssl_mode: SslMode::Prefer,
            root_cert: None,
            client_cert: None,
            client_key: None,
        };
        for (key, value) in ours {
            match key.as_str() {
                "schema" => options.schema = value,
                "sslmode" => {
                    options.ssl_mode = SslMode::parse(&value).ok_or_else(|| {
                        format!(
                            "unknown sslmode `{value}`; write disable, prefer, require, verify-ca or verify-full"
                        )
                    })?
                }
                "sslrootcert" if value == "system" => options.root_cert = None,
                "sslrootcert" => options.root_cert = Some(value.into()),
                "sslcert" => options.client_cert = Some(value.into()),
                "sslkey" => options.client_key = Some(value.into()),
                _ => {}
            }
        }
        if options.client_cert.is_some() != options.client_key.is_some() {
            return Err(
                "a client certificate needs both sslcert (the certificate) and sslkey (its key)"
                    .into(),
            );
        }
        config.ssl_mode(options.ssl_mode.driver_mode());
        if config.get_application_name().is_none() {
            config.application_name("entmig");
        }
        options.config = config;
        Ok(options)
    }

    /// The host names or addresses connected to, for messages.
    pub fn hosts(&self) -> String {
        let hosts: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .map(|host| match host {
                postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        if hosts.is_empty() {
            "localhost".into()
        } else {
            hosts.join(", ")
        }
    }

    /// The rustls configuration the mode asks for.
    pub fn client_config(&self) -> Result<ClientConfig, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let builder = match self.ssl_mode {
            // libpq's rule: `prefer` and `require` encrypt but do not check the certificate.
            SslMode::Disable | SslMode::Prefer | SslMode::Require => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider))),
            SslMode::VerifyCa => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(ChainOnly {
                    roots: Arc::new(self.roots()?),
                    provider,
                })),
            SslMode::VerifyFull => {
                let verifier =
                    WebPkiServerVerifier::builder_with_provider(Arc::new(self.roots()?), provider)
                        .build()
                        .map_err(|e| e.to_string())?;
                builder.with_webpki_verifier(verifier)
            }
        };
        match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => {
                let certs = CertificateDer::pem_file_iter(cert)
                    .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| format!("cannot read sslcert {}: {e}", cert.display()))?;
                let key = PrivateKeyDer::from_pem_file(key)
                    .map_err(|e| format!("cannot read sslkey {}: {e}", key.display()))?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(|e| format!("the client certificate cannot be used: {e}"))
            }
            _ => Ok(builder.with_no_client_auth()),
        }
    }

    /// The CAs of `sslrootcert`, else the webpki roots.
    fn roots(&self) -> Result<RootCertStore, String> {
        let mut roots = RootCertStore::empty();
        let Some(path) = &self.root_cert else {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            return Ok(roots);
        };
        let unreadable =
            |e: &dyn std::fmt::Display| format!("cannot read sslrootcert {}: {e}", path.display());
        for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
            roots
                .add(cert.map_err(|e| unreadable(&e))?)
                .map_err(|e| unreadable(&e))?;
        }
        if roots.is_empty() {
            return Err(unreadable(&"it holds no PEM certificate"));
        }
        Ok(roots)
    }
}

/// The connection string without entmig's parameters, and those parameters in order.
fn split_params(url: &str) -> (String, Vec<(String, String)>) {
    let mut ours = Vec::new();
    let mut take = |key: &str, value: &str| {
        let is_ours = OURS.contains(&key);
        if is_ours {
            ours.push((key.to_owned(), value.to_owned()));
        }
        is_ours
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_owned(), ours);
        };
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                !pair.is_empty() && !take(key, &percent_decode(value))
            })
            .collect();
        let rest = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return (rest, ours);
    }
    // `key=value` pairs separated by spaces; a quoted value of ours may not hold a space.
    let kept: Vec<&str> = url
        .split_whitespace()
        .filter(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            !take(key, value.trim_matches('\''))
        })
        .collect();
    (kept.join(" "), ours)
}

/// `%2F` and the like decoded, as URLs encode paths.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `prefer` and `require`: any certificate (the handshake's signatures are still checked, so
/// the server holds the key of the certificate it sent).
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted CA; the host name is not checked.
#[derive(Debug)]
struct ChainOnly {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The certificate problem in an error's chain, if a certificate failed verification.
pub(crate) fn certificate_problem(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(error);
    while let Some(cause) = next {
        // tokio-rustls wraps rustls' error in an io::Error, whose `source` skips it.
        let inner = cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static))
            .unwrap_or(cause);
        if let Some(rustls::Error::InvalidCertificate(problem)) =
            inner.downcast_ref::<rustls::Error>()
        {
            return Some(problem.to_string());
        }
        next = cause.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entmigs_parameters_are_taken_out() {
        let options = ConnectOptions::parse(
            "postgres://u@h/db?schema=app&sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&connect_timeout=5",
        )
        .unwrap();
        assert_eq!(options.schema, "app");
        assert_eq!(options.ssl_mode, SslMode::VerifyFull);
        assert_eq!(options.root_cert, Some(PathBuf::from("/tmp/ca.pem")));
        assert_eq!(
            options.config.get_ssl_mode(),
            postgres::config::SslMode::Require
        );
        assert_eq!(options.config.get_application_name(), Some("entmig"));
        assert_eq!(options.hosts(), "h");

        let options =
            ConnectOptions::parse("host=db user=u sslmode=verify-ca application_name=app").unwrap();
        assert_eq!(options.ssl_mode, SslMode::VerifyCa);
        assert_eq!(options.config.get_application_name(), Some("app"));
        assert_eq!(options.schema, "public");

        let options = ConnectOptions::parse("postgres://u@h/db").unwrap();
        assert_eq!(options.ssl_mode, SslMode::Prefer);
    }

    #[test]
    fn mistakes_say_what_to_write() {
        let err = ConnectOptions::parse("postgres://u@h/db?sslmode=verify").unwrap_err();
        assert!(err.contains("verify-full"), "{err}");
        let err = ConnectOptions::parse("postgres://u@h/db?sslcert=c.pem").unwrap_err();
        assert!(err.contains("sslkey"), "{err}");
        let options =
            ConnectOptions::parse("postgres://u@h/db?sslmode=verify-ca&sslrootcert=/nonexistent")
                .unwrap();
        let err = options.client_config().unwrap_err();
        assert!(err.contains("/nonexistent"), "{err}");
    }
}
