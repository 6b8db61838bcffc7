package dev.grpcpair.e2e.docs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A folder to put first on a shell's {@code PATH} whose {@code grpcurl} is the real one named by
 * {@code -Dgrpcurl=PATH} or, without it, a script that hands its arguments and standard input to
 * {@link Grpcurl} in this JVM over a loopback socket: bash's {@code /dev/tcp}, no JVM started per
 * command (a JVM's start and a grpc client's first call cost a second of CPU; this JVM has both
 * warm).
 */
final class GrpcurlOnPath implements AutoCloseable {

  private final ServerSocket listener;
  final Path directory;

  GrpcurlOnPath(Path directory) throws IOException {
    this.directory = directory;
    Path grpcurl = directory.resolve("grpcurl");
    String real = System.getProperty("grpcurl", "");
    if (!real.isEmpty()) {
      listener = null;
      Files.createSymbolicLink(grpcurl, Path.of(real).toAbsolutePath());
      return;
    }
    listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    Thread answering = new Thread(this::answer, "grpcurl-stand-in");
    answering.setDaemon(true);
    answering.start();
    Files.writeString(
        grpcurl,
        String.join(
            "\n",
            "#!/bin/bash",
            "# The docs' grpcurl, run by the test's stand-in (dev.grpcpair.e2e.Grpcurl).",
            "exec 3<>/dev/tcp/127.0.0.1/" + listener.getLocalPort(),
            // The folder it runs in, the arguments, each ended by a NUL, an empty one, then
            // standard input in base64.
            "{ printf '%s\\0' \"$PWD\" \"$@\"; printf '\\0'; base64 -w0; echo; } >&3",
            "read -r code <&3",
            "cat <&3",
            "exit \"$code\"",
            ""));
    Files.setPosixFilePermissions(grpcurl, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private void answer() {
    while (!listener.isClosed()) {
      try (Socket socket = listener.accept()) {
        InputStream in = socket.getInputStream();
        Path folder = Path.of(readUntil(in, 0));
        List<String> args = new ArrayList<>();
        for (String arg = readUntil(in, 0); !arg.isEmpty(); arg = readUntil(in, 0)) {
          args.add(arg);
        }
        String stdin =
            new String(Base64.getDecoder().decode(readUntil(in, '\n')), StandardCharsets.UTF_8);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int exitCode =
            Grpcurl.run(
                folder, args, stdin, new PrintStream(printed, true, StandardCharsets.UTF_8));
        OutputStream out = socket.getOutputStream();
        out.write((exitCode + "\n").getBytes(StandardCharsets.UTF_8));
        printed.writeTo(out);
      } catch (IOException e) {
        if (!listener.isClosed()) {
          System.err.println("grpcurl stand-in: " + e);
        }
      }
    }
  }

  private static String readUntil(InputStream in, int end) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int b = in.read(); b != end; b = in.read()) {
      if (b < 0) {
        throw new IOException("the grpcurl script's request ended early");
      }
      bytes.write(b);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    if (listener != null) {
      listener.close();
    }
  }
}
