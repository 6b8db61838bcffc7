package dev.grpcpair.common.config;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A TCP port: 1-65535, or 0 for one the system chooses (what tests use). */
public final class PortConverter implements ITypeConverter<Integer> {

  @Override
  public Integer convert(String value) {
    try {
      int port = Integer.parseInt(value.trim());
      if (port >= 0 && port <= 65_535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new TypeConversionException("'" + value + "' is not a port number (0-65535)");
  }
}
