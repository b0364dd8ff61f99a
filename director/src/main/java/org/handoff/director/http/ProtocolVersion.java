package org.handoff.director.http;

/** The HTTP versions the director accepts; anything else is MALFORMED. */
public enum ProtocolVersion {
    HTTP_1_0("HTTP/1.0"),
    HTTP_1_1("HTTP/1.1");

    private final String text;

    ProtocolVersion(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }
}
