package org.llmexplorer.server;

/**
 * A request the server refuses, answered as OpenAI answers: an HTTP status and
 * {@code {"error": {"message", "type", "param", "code"}}}.
 */
final class ApiException extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;

    ApiException(int status, String type, String message, String param, String code) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: a field is missing, of the wrong type or out of range. */
    static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", message, param, null);
    }

    /** 500: the engine failed; the message says how, in words, never as a stack trace. */
    static ApiException internal(Throwable error) {
        return new ApiException(500, "server_error", org.llmexplorer.engine.Errors.describe(error), null, null);
    }

    static ApiException notFound(String message, String code) {
        return new ApiException(404, "invalid_request_error", message, null, code);
    }
}
