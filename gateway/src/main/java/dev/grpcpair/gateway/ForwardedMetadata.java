package dev.grpcpair.gateway;

import io.grpc.Metadata;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

/**
 * Metadata both ways, as grpc-gateway passes it: the request's {@code Authorization} and each
 * {@code Grpc-Metadata-<key>} (as {@code <key>}) on to the call, {@code X-Forwarded-For} and {@code
 * X-Forwarded-Host} added; the server's response headers back as {@code Grpc-Metadata-<key>},
 * gRPC's own ({@code grpc-*}, {@code content-type}) left out.
 */
final class ForwardedMetadata {

  private static final String PREFIX = "grpc-metadata-";
  private static final Metadata.Key<String> AUTHORIZATION = asciiKey("authorization");
  private static final Metadata.Key<String> X_FORWARDED_FOR = asciiKey("x-forwarded-for");
  private static final Metadata.Key<String> X_FORWARDED_HOST = asciiKey("x-forwarded-host");

  private ForwardedMetadata() {}

  /** The call's metadata for a request from {@code client} with {@code headers}. */
  static Metadata ofRequest(HttpHeaders headers, InetSocketAddress client) {
    Metadata metadata = new Metadata();
    for (Map.Entry<String, String> header : headers) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith(PREFIX) && name.length() > PREFIX.length()) {
        put(metadata, name.substring(PREFIX.length()), header.getValue());
      }
    }
    String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
    if (authorization != null) {
      metadata.put(AUTHORIZATION, authorization);
    }
    // Who asked, and under which name, as grpc-gateway tells the server behind it.
    String address = client.getAddress().getHostAddress();
    String before = headers.get("x-forwarded-for");
    metadata.put(X_FORWARDED_FOR, before == null ? address : before + ", " + address);
    String host = headers.get(HttpHeaderNames.HOST);
    if (host != null) {
      metadata.put(X_FORWARDED_HOST, host);
    }
    return metadata;
  }

  /**
   * Adds one header as metadata: a {@code -bin} value base64-decoded. gRPC's own ({@code grpc-*})
   * and what gRPC cannot carry (a malformed name or value) are dropped, not fatal.
   */
  static void put(Metadata metadata, String key, String value) {
    if (key.startsWith("grpc-")) {
      return;
    }
    try {
      if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        metadata.put(
            Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER),
            Base64.getDecoder().decode(value));
      } else {
        metadata.put(asciiKey(key), value);
      }
    } catch (IllegalArgumentException e) {
      // dropped
    }
  }

  /** The name a server's response header {@code key} has in the gateway's answer. */
  static String responseHeader(String key) {
    return PREFIX + key;
  }

  /** The server's response headers as {@code Grpc-Metadata-<key>}. */
  static void toResponse(Metadata fromServer, HttpHeaders answer) {
    for (String key : fromServer.keys()) {
      if (key.startsWith("grpc-")
          || key.equals("content-type")
          || key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        continue;
      }
      for (String value : fromServer.getAll(asciiKey(key))) {
        answer.add(responseHeader(key), value);
      }
    }
  }

  private static Metadata.Key<String> asciiKey(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }
}
