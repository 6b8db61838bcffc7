package dev.grpcpair.bench;

import com.google.protobuf.MessageLite;
import java.io.ByteArrayOutputStream;

/**
 * What h2load sends: one gRPC method of one server, with one request, framed as on the wire.
 *
 * @param name the case's name in the report
 * @param onPost whether the Post server answers it (else the User server)
 * @param path the HTTP/2 path, {@code /package.Service/Method}
 * @param frame the request as a gRPC length-prefixed message
 */
record LoadCase(String name, boolean onPost, String path, byte[] frame) {

  static LoadCase user(String name, String method, MessageLite request) {
    return new LoadCase(name, false, "/v1.user.User/" + method, frame(request));
  }

  static LoadCase post(String name, String method, MessageLite request) {
    return new LoadCase(name, true, "/v1.post.Post/" + method, frame(request));
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
