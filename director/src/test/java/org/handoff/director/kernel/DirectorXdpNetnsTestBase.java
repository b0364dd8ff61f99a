package org.handoff.director.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.Callable;
import org.handoff.bpf.Interfaces;
import org.handoff.bpf.XdpAttachment;
import org.handoff.bpf.XdpAttachment.XdpMode;
import org.handoff.testkit.Netns;
import org.handoff.testkit.NetnsLab;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the netns tests of director_xdp start from: a client namespace and the director's, joined
 * by a veth whose director end is the capture interface, the VIP routed from the client to it,
 * and director_xdp loaded (attached to nothing yet). Each test adds what it needs on top in its
 * own {@code @BeforeEach}, which JUnit runs after this one (an agent namespace, MACs, sysctls,
 * routes).
 * <pre>
 *   client ns  c0 198.18.2.1 ──veth── cap0 198.18.2.2  director ns
 *              VIP 198.18.1.1 via .2.2       (XDP here)
 * </pre>
 * After each test, also one whose set-up failed half-way, the namespaces are removed, then the
 * object closed.
 */
abstract class DirectorXdpNetnsTestBase {
    static final String CLIENT = "198.18.2.1";
    static final String CAPTURE_ADDRESS = "198.18.2.2";
    static final String VIP = "198.18.1.1";
    static final String CLIENT_INTERFACE = "c0";
    static final String CAPTURE_INTERFACE = "cap0";

    NetnsLab lab;
    Netns client;
    Netns director;
    DirectorXdpHarness xdp;

    /** Skips the test (an assumption) where namespaces, veth pairs or ethtool are missing. */
    @BeforeEach
    void clientAndDirectorNamespaces() throws Exception {
        assumeTrue(NetnsLab.unavailableReason("ethtool").isEmpty(), () -> "skipped: " + NetnsLab.unavailableReason("ethtool").orElse(""));
        lab = NetnsLab.create();
        client = lab.namespace("c");
        director = lab.namespace("d");
        lab.veth(client, CLIENT_INTERFACE, CLIENT + "/24", director, CAPTURE_INTERFACE, CAPTURE_ADDRESS + "/24");
        lab.route(client, VIP + "/32", "via", CAPTURE_ADDRESS);
        xdp = DirectorXdpHarness.load();
    }

    @AfterEach
    void removeNamespacesAndObject() {
        try {
            if (lab != null) {
                lab.close();
            }
        } finally {
            if (xdp != null) {
                xdp.close();
            }
        }
    }

    /** Runs {@code task} on a thread inside the director namespace. */
    <T> T inDirector(Callable<T> task) throws Exception {
        return lab.inNamespace(director, task);
    }

    /** Attaches director_xdp natively (the mode is asserted) to the capture interface, from the director namespace. */
    XdpAttachment attachToCapture() throws Exception {
        XdpAttachment attachment = inDirector(() -> XdpAttachment.attach(Interfaces.indexOf(CAPTURE_INTERFACE), xdp.program, XdpMode.NATIVE));
        try {
            assertEquals(XdpMode.NATIVE, attachment.mode());
            return attachment;
        } catch (AssertionError e) {
            detach(attachment);
            throw e;
        }
    }

    /** Detaches it again, from the namespace it was attached in. */
    void detach(XdpAttachment attachment) throws Exception {
        inDirector(() -> {
            attachment.close();
            return null;
        });
    }
}
