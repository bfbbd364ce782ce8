// The command line's usage texts, in a module of their own so that `calltrace -h` (and
// `--version`) answer without loading SQLite or the engine (main.ts imports the rest lazily).

export const USAGE = `usage: calltrace analyze FILE|DIR... [--json] [--db PATH] [--all] [options]
       calltrace report  FILE|DIR... [--json] [--db PATH] [options]
       calltrace serve   [FILE|DIR...] [--port N] [--db PATH] [options]
       calltrace export  FILE... --call CALL-ID [--call …] --pcap OUT.pcapng [--db PATH]
       calltrace --version | help | -h

  analyze     index the files and print their calls with verdicts (bucket, cause, fix)
  report      the summary across calls: buckets per hour and peer, causes, Q.850,
              ASR / ACD / PDD, and the alert windows
  serve       the app in a browser: imports FILE... into the library, then serves the
              UI and its API on 127.0.0.1 and prints the address to open (with its
              one-time token); the library defaults to
              $XDG_DATA_HOME/calltrace/library.db; Ctrl-C stops it
  export      write the packets of the calls with these Call-IDs to a pcapng file
              (calltrace export -h for its options)
  --port N    serve on this port (default: a free one)
  FILE        captures (pcap, pcapng, Network Monitor, gzip-compressed), CDR exports
              (Asterisk, CEL, FreeSWITCH, Cisco CUCM, Twilio, VOS3000) and agent
              close-of-call events, recognised by content, alone or mixed; archives
              (.zip, .tar, .tar.gz) import each member as a source of its own
  DIR         every input under it, recursively (hidden entries passed over)
  --json      one JSON document instead of the table
  --db PATH   keep the index in this SQLite file (default: in memory, gone at exit)
  --all       the table also lists non-call dialogs (REGISTER, OPTIONS, SUBSCRIBE…)
  --settings FILE  diagnosis thresholds as JSON (successDurationS, rtpTimeoutS,
              deadAfterS, mediaGraceS, llmTimeoutS, ownAddresses, alertThresholdPct)
  --own CIDR,…     our own addresses: when the caller is ours, the caller side is the agent
  --mapping FILE   column mapping (JSON) for a CSV of no known CDR format
  --jobs N    import up to N captures at once, one worker thread each (default: the
              number of cores); --jobs 1 imports one file after another`;

export const EXPORT_USAGE = `usage: calltrace export FILE... --call CALL-ID [--call CALL-ID…] [--pcap OUT.pcapng] [--html OUT.html] [--redact] [--db PATH]

  --call ID   a SIP Call-ID to export (repeat for several; every call with that Call-ID
              is exported, e.g. both legs)
  --pcap OUT  write the calls' packets (SIP, the fragments and TCP segments that carried it,
              RTP/RTCP) to OUT as pcapng, with the original times and link types
  --html OUT  the call report as one self-contained HTML file
  --redact    pseudonymise numbers, user and display names, host names, IP and MAC
              addresses (the same value → the same token in both outputs), remove
              credentials, zero RTP payloads and RTCP texts; lengths, ports, times and
              RTP headers are kept, so the ladder and the stream metrics still read
  --db PATH   use (and add FILE... to) this library; without FILE... the calls are looked
              up among everything it holds`;
