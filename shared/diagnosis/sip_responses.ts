// SIP response codes (IANA "SIP Parameters" registry, RFC 3261 and later), each with its
// reason phrase, what it usually means for a call that failed with it, and the advice of
// diagnosis.md §4 "Provider" / "Client errors" / "Global 6xx" and seed 003. `retryElsewhere`
// says whether trying another route / provider (or later) can help: 6xx never (seed 003),
// capacity and timeouts usually do.
//
// `q850` is the cause a gateway signals for the response (RFC 3398 §8.2.6.2), shown beside
// the code so SIP and CDR views speak the same language.

export type SipClass = 1 | 2 | 3 | 4 | 5 | 6;

export interface SipResponseInfo {
  code: number;
  reason: string;
  /** What it means for a call that ended with it. */
  meaning: string;
  /** What to do, when §4 / seed 003 give advice. */
  advice?: string;
  /** One-line fix title for the verdict, when the code has specific advice. */
  title?: string;
  /** Whether trying another route / provider (or again later) can help. */
  retryElsewhere: boolean;
  q850?: number;
}

export const SIP_CLASS_MEANING: Readonly<Record<SipClass, string>> = {
  1: 'Provisional: the request is being processed (trying, ringing, early media).',
  2: 'Success: the request was accepted.',
  3: 'Redirection: the call should be tried at another address.',
  4: 'Client error: the request as sent cannot succeed here — dialing, authentication, number format, IP authorisation or routing configuration on the originating side.',
  5: 'Server error: the server or the network behind it failed — capacity, routing or an upstream outage.',
  6: 'Global failure: the call was intentionally rejected everywhere; retrying will not succeed.',
};

const CREDENTIALS = 'Check the trunk/account credentials (username, password, realm) and that the authenticated INVITE is sent after the challenge.';
const NUMBER = 'Check the dialled number and the number data (format, E.164, porting); place a test call from another network to isolate routing.';
const PROVIDER_ROUTE = 'Configure the next route / backup provider for this destination and check the provider status; contact the provider if it persists across destinations.';
const INTENTIONAL = 'Intentional rejection: retrying will not help. Check ANI validity, compliance and blocking (call-analytics labelling) with the terminating carrier.';

function r(code: number, reason: string, meaning: string, retryElsewhere: boolean, extra: { advice?: string; title?: string; q850?: number } = {}): SipResponseInfo {
  return { code, reason, meaning, retryElsewhere, ...extra };
}

export const SIP_RESPONSES: readonly SipResponseInfo[] = [
  r(100, 'Trying', 'The next hop received the request and is working on it.', false),
  r(180, 'Ringing', 'The callee is being alerted.', false),
  r(181, 'Call Is Being Forwarded', 'The call is being forwarded to another destination.', false),
  r(182, 'Queued', 'The call is queued until the callee is available.', false),
  r(183, 'Session Progress', 'Progress information, often early media (ringback, announcements).', false),
  r(199, 'Early Dialog Terminated', 'An early dialog (a forked branch) was terminated.', false),
  r(200, 'OK', 'The request succeeded; for an INVITE, the call was answered.', false),
  r(202, 'Accepted', 'The request was accepted for processing (REFER, SUBSCRIBE).', false),
  r(204, 'No Notification', 'The request succeeded but no notification will follow.', false),
  r(300, 'Multiple Choices', 'Several alternative addresses were offered.', true),
  r(301, 'Moved Permanently', 'The callee moved permanently; the Contact gives the new address.', true, { advice: 'Update the routing / number data to the new address.' }),
  r(302, 'Moved Temporarily', 'Redirected: the call should be retried at the Contact address.', true, { advice: 'Check that the calling system follows redirects (or that it should receive them).' }),
  r(305, 'Use Proxy', 'The request must go through the proxy in the Contact.', true),
  r(380, 'Alternative Service', 'The call failed; an alternative service (e.g. emergency routing) is described.', true),
  r(400, 'Bad Request', 'The request was malformed (syntax) and was refused.', false, { title: 'Fix the malformed request (check for a SIP ALG rewriting it)', advice: 'Malformed request: compare the INVITE with the provider\'s requirements (headers, URI format); look for a SIP ALG rewriting it.', q850: 41 }),
  r(401, 'Unauthorized', 'Authentication is required (a challenge). Followed by an authenticated INVITE it is normal set-up; as the final answer, the credentials were refused.', false, { title: 'Fix the credentials for this trunk', advice: CREDENTIALS, q850: 21 }),
  r(402, 'Payment Required', 'The account has no credit or payment is required.', false, { title: 'Top up or fix billing on the account', advice: 'Check the account balance / billing with the provider.', q850: 21 }),
  r(403, 'Forbidden', 'The request was refused by policy: IP authorisation, calling number (ANI) not allowed, destination or account restrictions.', false, {
    title: 'Fix the policy refusal: IP authorisation, ANI or account restrictions',
    advice: 'Policy refusal: check IP authorisation (our source address on the provider\'s allow list), the calling number (ANI) format and validity, and destination restrictions on the account.',
    q850: 21,
  }),
  r(404, 'Not Found', 'The dialled number / user does not exist at the destination.', false, { title: 'Fix the dialled number or the number data', advice: NUMBER, q850: 1 }),
  r(405, 'Method Not Allowed', 'The method is not allowed for this address.', false, { q850: 63 }),
  r(406, 'Not Acceptable', 'The response could not be made acceptable to the Accept headers.', false, { q850: 79 }),
  r(407, 'Proxy Authentication Required', 'The proxy requires authentication (a challenge). Followed by an authenticated INVITE it is normal set-up; as the final answer, the credentials were refused.', false, { title: 'Fix the proxy credentials for this trunk', advice: CREDENTIALS, q850: 21 }),
  r(408, 'Request Timeout', 'No final answer in time: the network path to the provider or the callee did not respond.', true, {
    title: 'Check the network path to the provider; fail over',
    advice: 'Check the network path to the provider (routing, firewall, NAT for SIP); fail over to the next route.',
    q850: 102,
  }),
  r(410, 'Gone', 'The number existed but is no longer in service.', false, { title: 'Update the number data: the number is gone', advice: NUMBER, q850: 22 }),
  r(412, 'Conditional Request Failed', 'A conditional request (PUBLISH) failed its precondition.', false),
  r(413, 'Request Entity Too Large', 'The request body is too large for the server.', false, { q850: 127 }),
  r(414, 'Request-URI Too Long', 'The Request-URI is too long for the server.', false, { q850: 127 }),
  r(415, 'Unsupported Media Type', 'The body format (e.g. the SDP or its encoding) is not supported.', false, { advice: 'Check the Content-Type and body the calling side sends.', q850: 79 }),
  r(416, 'Unsupported URI Scheme', 'The Request-URI scheme is not supported.', false, { q850: 127 }),
  r(417, 'Unknown Resource-Priority', 'The Resource-Priority value is not understood.', false),
  r(420, 'Bad Extension', 'A Require/Proxy-Require option tag is not supported.', false, { title: 'Remove the unsupported Require option tag', advice: 'Remove the unsupported option tag from Require / Proxy-Require.', q850: 127 }),
  r(421, 'Extension Required', 'The server needs an extension the request did not list (e.g. timer, 100rel).', false, { q850: 127 }),
  r(422, 'Session Interval Too Small', 'The Session-Expires interval is below the server\'s Min-SE (RFC 4028).', false, { title: "Raise Session-Expires to the server's Min-SE", advice: 'Raise Session-Expires to at least the Min-SE the server returns (90 s or more).' }),
  r(423, 'Interval Too Brief', 'The registration/subscription expiry is too short.', false, { q850: 127 }),
  r(424, 'Bad Location Information', 'The location information (emergency calls) was malformed.', false),
  r(425, 'Bad Alert Message', 'The Alert-Info (emergency alert) content was not acceptable.', false),
  r(428, 'Use Identity Header', 'An Identity (STIR/SHAKEN) header is required.', false, { title: 'Sign the calls with an Identity header', advice: 'Sign the calls (STIR/SHAKEN Identity header) as the provider requires.' }),
  r(429, 'Provide Referrer Identity', 'The REFER needs a Referred-By token.', false),
  r(430, 'Flow Failed', 'A SIP Outbound flow to the user agent failed.', true),
  r(433, 'Anonymity Disallowed', 'Anonymous calls are refused by the callee.', false, { title: 'Present a calling number', advice: 'Present a calling number (do not withhold it).' }),
  r(436, 'Bad Identity-Info', 'The Identity-Info reference could not be used.', false),
  r(437, 'Unsupported Certificate', 'The identity certificate could not be validated.', false, { advice: 'Check the STIR/SHAKEN certificate chain.' }),
  r(438, 'Invalid Identity Header', 'The Identity header signature is invalid.', false, { advice: 'Check the STIR/SHAKEN signing (date, orig/dest numbers, certificate).' }),
  r(439, 'First Hop Lacks Outbound Support', 'The first hop does not support SIP Outbound.', false),
  r(440, 'Max-Breadth Exceeded', 'Forking limit exceeded.', false),
  r(469, 'Bad Info Package', 'The INFO package is not supported.', false),
  r(470, 'Consent Needed', 'The destination needs consent before receiving requests.', false),
  r(480, 'Temporarily Unavailable', 'The callee is offline / not registered, or did not answer (no user responding).', true, {
    title: 'None needed on our side: the callee is offline or not registered',
    advice: 'The callee is offline or not registered; retrying later or to another contact can help.',
    q850: 18,
  }),
  r(481, 'Call/Transaction Does Not Exist', 'The request refers to a dialog/transaction the server does not know (often after a restart or a lost state).', false, { q850: 41 }),
  r(482, 'Loop Detected', 'The request looped back to a server it already passed.', false, { title: 'Fix the routing loop', advice: 'Check the routing for loops between the trunks.', q850: 25 }),
  r(483, 'Too Many Hops', 'Max-Forwards reached zero: a routing loop or a very long path.', false, { title: 'Fix the routing loop', advice: 'Check the routing for loops between the trunks.', q850: 25 }),
  r(484, 'Address Incomplete', 'The dialled number is incomplete.', false, { title: 'Fix the dialled number: it is incomplete', advice: NUMBER, q850: 28 }),
  r(485, 'Ambiguous', 'The dialled address is ambiguous.', false, { advice: NUMBER, q850: 1 }),
  r(486, 'Busy Here', 'The callee is busy: a normal outcome.', false, { title: 'None needed: the callee is busy', advice: 'Normal: the callee is busy. No change needed unless the rate is unusual.', q850: 17 }),
  r(487, 'Request Terminated', 'The INVITE was cancelled (CANCEL) or terminated before an answer.', false, { title: 'Find out who cancelled the INVITE', advice: 'Check who cancelled: the caller (normal) or the provider (post-dial-delay timeout).' }),
  r(488, 'Not Acceptable Here', 'The offered media could not be accepted: usually no common codec (or an unsupported media type / SRTP mismatch).', false, {
    title: 'Align codecs between the two sides',
    advice: 'Codec mismatch: align the codec lists (and SRTP/RTP profile) of both sides; compare the SDP offer with what the far end supports.',
    q850: 127,
  }),
  r(489, 'Bad Event', 'The event package is not supported.', false),
  r(491, 'Request Pending', 'A glare: both sides re-INVITEd at once; the request can be retried after a short delay.', true),
  r(493, 'Undecipherable', 'An S/MIME body could not be decrypted.', false),
  r(494, 'Security Agreement Required', 'A security mechanism must be negotiated first (RFC 3329).', false),
  r(500, 'Server Internal Error', 'The server failed while handling the request.', true, { title: 'Fail over to the next route; report persistent 500s', advice: 'Server failure: fail over to the next route; report to the provider if it persists across retries.', q850: 41 }),
  r(501, 'Not Implemented', 'The server does not support the method or function.', false, { q850: 79 }),
  r(502, 'Bad Gateway', 'A downstream gateway/server answered with an invalid response or is unreachable.', true, { title: 'Fail over to the next route / backup provider', advice: PROVIDER_ROUTE, q850: 38 }),
  r(503, 'Service Unavailable', 'The server is overloaded, in maintenance, rate-limiting us — or, on least-cost-routing trunks, an expected route-advance signal.', true, {
    title: 'Configure the next route / backup provider (capacity or LCR route-advance)',
    advice: 'Capacity or route-advance: configure the next route / backup provider so the call advances on 503; check Retry-After, the calls-per-second and concurrency limits, and the provider status.',
    q850: 41,
  }),
  r(504, 'Server Time-out', 'A downstream server did not answer in time.', true, { title: 'Check the downstream route; fail over', advice: 'Check the network path to the provider and the downstream route; fail over to the next route.', q850: 102 }),
  r(505, 'Version Not Supported', 'The SIP version is not supported.', false, { q850: 127 }),
  r(513, 'Message Too Large', 'The message is too large (often UDP fragmentation limits).', false, { advice: 'Use TCP for large messages or trim the SDP/headers.', q850: 127 }),
  r(555, 'Push Notification Service Not Supported', 'The push notification service is not supported.', false),
  r(580, 'Precondition Failure', 'A required precondition (QoS, RFC 3312) could not be met.', false),
  r(600, 'Busy Everywhere', 'The callee is busy on every device.', false, { title: 'None needed: the callee is busy everywhere', advice: 'Normal: the callee is busy everywhere; retrying elsewhere will not help.', q850: 17 }),
  r(603, 'Decline', 'The callee or its carrier declined the call.', false, { title: 'Intentional decline: do not retry', advice: INTENTIONAL, q850: 21 }),
  r(604, 'Does Not Exist Anywhere', 'The number does not exist anywhere.', false, { title: 'Fix the dialled number: it does not exist anywhere', advice: NUMBER, q850: 1 }),
  r(606, 'Not Acceptable', 'The callee cannot accept the session as described (media, bandwidth).', false, { title: 'Align the media with what the callee accepts', advice: 'Align codecs / media with what the callee supports.', q850: 58 }),
  r(607, 'Unwanted', 'The callee marked the call as unwanted.', false, { title: 'Intentional rejection (unwanted): do not retry', advice: INTENTIONAL }),
  r(608, 'Rejected', 'An intermediary (call-analytics / blocking service) rejected the call.', false, { title: 'Rejected by call analytics: do not retry; check ANI reputation', advice: INTENTIONAL }),
];

const BY_CODE = new Map(SIP_RESPONSES.map((x) => [x.code, x]));

export function sipClassOf(code: number): SipClass | null {
  const k = Math.floor(code / 100);
  return k >= 1 && k <= 6 ? (k as SipClass) : null;
}

/** The registered response, or a class-level description for an unregistered code (e.g. 499). */
export function sipResponse(code: number): SipResponseInfo | null {
  const known = BY_CODE.get(code);
  if (known) return known;
  const cls = sipClassOf(code);
  if (cls === null) return null;
  return { code, reason: `Unregistered ${cls}xx response`, meaning: SIP_CLASS_MEANING[cls], retryElsewhere: cls === 5 || cls === 3 };
}

/** "503 Service Unavailable". */
export function sipLabel(code: number, phrase?: string): string {
  const reason = phrase && phrase.trim() !== '' ? phrase.trim() : (sipResponse(code)?.reason ?? '');
  return reason ? `${code} ${reason}` : String(code);
}
