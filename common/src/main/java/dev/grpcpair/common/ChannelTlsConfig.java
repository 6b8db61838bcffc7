package dev.grpcpair.common;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A client's TLS files.
 *
 * @param trustedCa PEM CA certificate(s) the server's certificate must chain to; null: the system's
 * @param certChain PEM certificate chain to present for mutual TLS; null: none
 * @param privateKey PEM private key (PKCS#8) of that certificate; null when {@code certChain} is
 * @param reloadInterval how often the files are checked for changes
 */
public record ChannelTlsConfig(Path trustedCa, Path certChain, Path privateKey, Duration reloadInterval) {}
