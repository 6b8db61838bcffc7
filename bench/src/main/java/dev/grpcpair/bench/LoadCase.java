package dev.grpcpair.bench;

import com.google.protobuf.MessageLite;
import java.io.ByteArrayOutputStream;

/**
 * What h2load sends: one gRPC method of one server, with one request, framed as on the wire; or one
 * HTTP GET of the gateway, over h2c or HTTP/1.1.
 *
 * @param name the case's name in the report
 * @param server the server h2load calls
 * @param protocol how it is called
 * @param path the HTTP path: {@code /package.Service/Method} for gRPC
 * @param frame the request as a gRPC length-prefixed message; empty for a GET
 */
record LoadCase(String name, Server server, Protocol protocol, String path, byte[] frame) {

  /** The server a case calls: the other servers it reaches are called by it. */
  enum Server {
    USER,
    POST,
    GATEWAY
  }

  /** gRPC over HTTP/2, a GET over h2c, or a GET over HTTP/1.1 keep-alive (no pipelining). */
  enum Protocol {
    GRPC,
    H2C,
    HTTP1
  }

  static LoadCase user(String name, String method, MessageLite request) {
    return new LoadCase(
        name, Server.USER, Protocol.GRPC, "/v1.user.User/" + method, frame(request));
  }

  static LoadCase post(String name, String method, MessageLite request) {
    return new LoadCase(
        name, Server.POST, Protocol.GRPC, "/v1.post.Post/" + method, frame(request));
  }

  static LoadCase gateway(String name, Protocol protocol, String path) {
    return new LoadCase(name, Server.GATEWAY, protocol, path, new byte[0]);
  }

  /** The same call under {@code other} name: the case on other servers, or otherwise launched. */
  LoadCase named(String other) {
    return new LoadCase(other, server, protocol, path, frame);
  }

  /** Uncompressed flag, 4-byte big-endian length, message. */
  private static byte[] frame(MessageLite message) {
    byte[] payload = message.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(payload.length >>> 24);
    out.write(payload.length >>> 16);
    out.write(payload.length >>> 8);
    out.write(payload.length);
    out.writeBytes(payload);
    return out.toByteArray();
  }
}
