package dev.grpcpair.common.observability;

import io.grpc.Metadata;
import java.util.List;

/**
 * Headers whose value is new on every call: the request id, W3C {@code traceparent}, and grpc's own
 * {@code grpc-timeout} (the deadline's time left, to the microsecond). HPACK would add each value
 * to the connection's header table, where it is never found again and pushes out the headers that
 * are: these are sent as never-indexed literals instead, by every server and every channel of this
 * project (grpc-netty's {@code neverIndexMetadataKeys}).
 */
public final class PerCallHeaders {

  public static final List<Metadata.Key<String>> NEVER_INDEXED =
      List.of(
          RequestId.HEADER,
          Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
          Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER));

  private PerCallHeaders() {}
}
