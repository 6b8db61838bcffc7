package dev.grpcpair.common.security;

import dev.grpcpair.common.config.InvalidConfigException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The bearer tokens a server accepts, each naming the identity it authenticates.
 *
 * <p>Written one {@code identity=token} entry per line (in a file; {@code #} starts a comment) or
 * separated by commas (in an environment variable). Only SHA-256 digests of the tokens are kept,
 * and a lookup compares the presented token's digest with every entry in constant time, so neither
 * the time taken nor a heap dump tells an attacker much.
 */
public final class AuthTokens {

  private final List<Entry> entries;

  private record Entry(String identity, byte[] digest) {}

  private AuthTokens(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** Parses {@code identity=token} entries separated by newlines or commas. */
  public static AuthTokens parse(String text, String source) {
    List<Entry> entries = new ArrayList<>();
    List<String> identities = new ArrayList<>();
    int number = 0;
    for (String rawLine : text.split("[\\n,]")) {
      number++;
      String line = rawLine.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int equals = line.indexOf('=');
      // Never echo the entry: it holds a secret.
      if (equals <= 0 || equals == line.length() - 1) {
        throw new InvalidConfigException(
            source + ": entry " + number + " is not of the form identity=token");
      }
      String identity = line.substring(0, equals).strip();
      String token = line.substring(equals + 1).strip();
      if (identities.contains(identity)) {
        throw new InvalidConfigException(source + ": identity \"" + identity + "\" appears twice");
      }
      identities.add(identity);
      entries.add(new Entry(identity, sha256(token)));
    }
    if (entries.isEmpty()) {
      throw new InvalidConfigException(source + " has no identity=token entries");
    }
    return new AuthTokens(entries);
  }

  /** The identity that {@code token} authenticates, if any. */
  public Optional<String> identify(String token) {
    byte[] presented = sha256(token);
    String match = null;
    // No early exit: every entry is compared whatever matched.
    for (Entry entry : entries) {
      if (MessageDigest.isEqual(entry.digest, presented)) {
        match = entry.identity;
      }
    }
    return Optional.ofNullable(match);
  }

  public int size() {
    return entries.size();
  }

  @Override
  public String toString() {
    return entries.size() + " token(s)";
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
