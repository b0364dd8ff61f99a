package org.handoff.director.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.handoff.config.HostPort;
import org.handoff.director.config.Cluster;

/**
 * The JGroups stack of the directors' group: the bundled template {@code jgroups.xml} (beside
 * this class) with the cluster section's values filled in and XML-escaped. The transport and
 * discovery lines depend on {@code cluster.transport}: UDP multicast with PING, or TCP with
 * TCPPING over the static member list.
 */
final class ClusterStack {
    private static final String TEMPLATE = "jgroups.xml";
    /** JGroups' thread pool: the group's traffic is light; platform threads (Java 17 has no virtual ones). */
    private static final String POOL = "thread_pool.min_threads=\"0\" thread_pool.max_threads=\"16\" use_virtual_threads=\"false\""
            + " diag.enabled=\"false\" bundler_type=\"no-bundler\"";

    private ClusterStack() {}

    /** The stack's XML for this config (the key store's password included: never log it). */
    static String render(Cluster c, boolean stats) throws IOException {
        String template;
        try (InputStream in = ClusterStack.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) {
                throw new IOException("missing resource " + TEMPLATE + " beside " + ClusterStack.class.getName());
            }
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String bind = c.bind().getHostAddress();
        String transport;
        String discovery;
        if (c.transport() == Cluster.Transport.UDP) {
            transport = "<UDP bind_addr=\"" + bind + "\" mcast_addr=\"" + c.multicast().address().getHostAddress()
                    + "\" mcast_port=\"" + c.multicast().port() + "\" ip_ttl=\"1\" stats=\"" + stats + "\" " + POOL + "/>";
            discovery = "<PING/>";
        } else {
            transport = "<TCP bind_addr=\"" + bind + "\" bind_port=\"" + c.port() + "\" port_range=\"0\" tcp_nodelay=\"true\""
                    + " sock_conn_timeout=\"300ms\" stats=\"" + stats + "\" " + POOL + "/>";
            String hosts = c.members().stream().map(ClusterStack::host).collect(Collectors.joining(","));
            discovery = "<TCPPING initial_hosts=\"" + hosts + "\" port_range=\"0\"/>";
        }
        Map<String, String> values = Map.of(
                "@TRANSPORT@", transport,
                "@DISCOVERY@", discovery,
                "@FAILURE_TIMEOUT@", millis(c.failureTimeout()),
                "@FAILURE_INTERVAL@", millis(c.failureInterval()),
                "@SUSPECT_VERIFY@", millis(c.suspectVerify()),
                "@BIND@", bind,
                "@KX_PORT@", Integer.toString(c.keyExchangePort()),
                "@KEYSTORE@", escape(c.keystore().toAbsolutePath().toString()),
                "@KEYSTORE_PASSWORD@", escape(new String(c.keystorePassword())),
                "@MCAST_XMIT@", Boolean.toString(c.transport() == Cluster.Transport.UDP));
        String xml = template;
        for (Map.Entry<String, String> e : values.entrySet()) {
            xml = xml.replace(e.getKey(), e.getValue());
        }
        // Without multicast, a view is not held up waiting for the acknowledgement of a member that died.
        xml = xml.replace("@JOIN_TIMEOUT@", millis(c.joinTimeout()))
                .replace("@VIEW_ACK_TIMEOUT@", c.transport() == Cluster.Transport.TCP ? "300ms" : "2000ms");
        return xml;
    }

    private static String host(HostPort h) {
        return h.address().getHostAddress() + "[" + h.port() + "]";
    }

    private static String millis(Duration d) {
        return d.toMillis() + "ms";
    }

    /** XML attribute text. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&apos;");
    }
}
