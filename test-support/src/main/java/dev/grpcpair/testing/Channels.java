package dev.grpcpair.testing;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;

/** Channels the tests open to servers on loopback. */
public final class Channels {

  private Channels() {}

  /** A plaintext channel to {@code localhost:port}; the caller closes it. */
  public static ManagedChannel localhost(int port) {
    return Grpc.newChannelBuilder("localhost:" + port, InsecureChannelCredentials.create()).build();
  }
}
