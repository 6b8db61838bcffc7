package dev.grpcpair.gateway;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Fills a request message from path variables and query parameters, as grpc-gateway's {@code
 * runtime.PopulateQueryParameters} does: a parameter names a field by its proto or JSON name
 * ({@code page_size} or {@code pageSize}, dotted for a nested message), a repeated field takes
 * every value, and a parameter that names no field is ignored.
 */
final class RequestFields {

  private RequestFields() {}

  /**
   * Sets each variable of the path; the route was checked at start-up to name scalar fields.
   *
   * @throws IllegalArgumentException for a value that is not of its field's type
   */
  static void fromPath(Message.Builder request, Map<String, String> variables) {
    for (Map.Entry<String, String> variable : variables.entrySet()) {
      FieldDescriptor field = request.getDescriptorForType().findFieldByName(variable.getKey());
      request.setField(field, value(field, variable.getKey(), variable.getValue()));
    }
  }

  /**
   * Sets the fields the parameters name, except those the path already set.
   *
   * @throws IllegalArgumentException for a value that is not of its field's type
   */
  static void fromQuery(
      Message.Builder request, Map<String, List<String>> parameters, List<String> pathFields) {
    for (Map.Entry<String, List<String>> parameter : parameters.entrySet()) {
      if (pathFields.contains(parameter.getKey())) {
        continue;
      }
      Message.Builder target = request;
      String[] names = parameter.getKey().split("\\.", -1);
      FieldDescriptor field = null;
      for (int i = 0; i < names.length; i++) {
        field = find(target.getDescriptorForType(), names[i]);
        if (field == null) {
          break;
        }
        if (i < names.length - 1) {
          if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || field.isRepeated()) {
            field = null;
            break;
          }
          target = target.getFieldBuilder(field);
        }
      }
      if (field == null || field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        continue; // names no scalar field: ignored, as grpc-gateway does
      }
      List<String> values = parameter.getValue();
      if (field.isRepeated()) {
        for (String value : values) {
          target.addRepeatedField(field, value(field, parameter.getKey(), value));
        }
      } else if (!values.isEmpty()) {
        target.setField(field, value(field, parameter.getKey(), values.get(values.size() - 1)));
      }
    }
  }

  private static FieldDescriptor find(Descriptor type, String name) {
    FieldDescriptor field = type.findFieldByName(name);
    if (field != null) {
      return field;
    }
    for (FieldDescriptor candidate : type.getFields()) {
      if (candidate.getJsonName().equals(name)) {
        return candidate;
      }
    }
    return null;
  }

  private static Object value(FieldDescriptor field, String name, String text) {
    try {
      return switch (field.getType()) {
        case STRING -> text;
        case INT32, SINT32, SFIXED32 -> Integer.parseInt(text);
        case UINT32, FIXED32 -> Integer.parseUnsignedInt(text);
        case INT64, SINT64, SFIXED64 -> Long.parseLong(text);
        case UINT64, FIXED64 -> Long.parseUnsignedLong(text);
        case FLOAT -> Float.parseFloat(text);
        case DOUBLE -> Double.parseDouble(text);
        case BOOL -> parseBool(text);
        case BYTES -> ByteString.copyFrom(decodeBase64(text));
        case ENUM -> enumValue(field, text);
        default -> throw new IllegalArgumentException("not a scalar");
      };
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "parameter " + name + ": \"" + shortened(text) + "\" is not of type " + typeName(field),
          e);
    }
  }

  private static boolean parseBool(String text) {
    return switch (text) {
      case "true", "1", "t", "T", "TRUE", "True" -> true;
      case "false", "0", "f", "F", "FALSE", "False" -> false;
      default -> throw new IllegalArgumentException("not a bool");
    };
  }

  private static byte[] decodeBase64(String text) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      return Base64.getUrlDecoder().decode(text);
    }
  }

  private static EnumValueDescriptor enumValue(FieldDescriptor field, String text) {
    EnumValueDescriptor value = field.getEnumType().findValueByName(text);
    if (value == null) {
      value = field.getEnumType().findValueByNumber(Integer.parseInt(text));
    }
    if (value == null) {
      throw new IllegalArgumentException("no such value");
    }
    return value;
  }

  private static String typeName(FieldDescriptor field) {
    return field.getType() == FieldDescriptor.Type.ENUM
        ? field.getEnumType().getFullName()
        : field.getType().name().toLowerCase(java.util.Locale.ROOT);
  }

  /** At most 40 characters of a caller's value in a message. */
  private static String shortened(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "…";
  }
}
