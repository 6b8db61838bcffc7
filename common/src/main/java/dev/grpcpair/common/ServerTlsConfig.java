package dev.grpcpair.common;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A server's TLS files.
 *
 * @param certChain PEM certificate chain, the server's own certificate first
 * @param privateKey PEM private key (PKCS#8) of that certificate
 * @param clientCa PEM CA certificate(s) that client certificates must chain to; null: no client
 *     certificates asked for (plain TLS, not mutual)
 * @param reloadInterval how often the files are checked for changes
 */
public record ServerTlsConfig(Path certChain, Path privateKey, Path clientCa, Duration reloadInterval) {}
