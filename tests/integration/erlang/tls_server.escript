#!/usr/bin/env escript
%% An Erlang/OTP 25 `ssl` TLS server for tlsaudit's integration tests.
%%
%%   escript tls_server.escript PORT HONOR_CIPHER_ORDER CERT1 KEY1 [CERT2 KEY2 ...]
%%   escript tls_server.escript --defaults
%%
%% Listens on 127.0.0.1:PORT only, versions ['tlsv1.3', 'tlsv1.2'], every
%% certificate/key pair given in ONE `certs_keys` option (OTP 25), so the
%% server can hold an RSA and an EC certificate; honor_cipher_order true or
%% false (OTP's default is false: the client's order).  Everything else is
%% the ssl application's default (cipher suites, groups, signature schemes,
%% session reuse; no TLS 1.3 session tickets: `session_tickets` defaults to
%% disabled).  Each connection: handshake, read one line (or EOF), answer
%% "ok", close.  Prints "READY PORT" when listening.
%%
%% --defaults prints what OTP's own API says the defaults are (used by the
%% test to derive its expectations): the default suites per version
%% (ssl:cipher_suites(default, V, openssl)... in IANA-ish "rfc" form), the
%% default TLS 1.3 groups (ssl:groups(default)), the default TLS 1.2
%% curves (ssl:eccs()) and the default signature algorithms per version
%% (tls_v1:default_signature_algs/1, what fills the signature_algs
%% option's default in OTP 25.2).
-mode(compile).

main(["--defaults"]) ->
    {ok, _} = application:ensure_all_started(ssl),
    lists:foreach(
      fun(V) ->
              Suites = [ssl:suite_to_str(S) || S <- ssl:cipher_suites(default, V)],
              io:format("SUITES ~s ~s~n", [V, string:join(Suites, ",")])
      end, ['tlsv1.3', 'tlsv1.2']),
    io:format("GROUPS ~s~n", [string:join([atom_to_list(G) || G <- ssl:groups(default)], ",")]),
    io:format("ECCS ~s~n", [string:join([atom_to_list(G) || G <- ssl:eccs()], ",")]),
    lists:foreach(
      fun(V) ->
              %% OTP 25.2 has no public ssl:signature_algs/2 yet: this is
              %% the internal function that fills the option's default
              Algs = [alg_str(A) || A <- tls_v1:default_signature_algs([version(V)])],
              io:format("SIGALGS ~s ~s~n", [V, string:join(Algs, ",")])
      end, ['tlsv1.3', 'tlsv1.2']),
    io:format("OTP ~s SSL ~s~n", [erlang:system_info(otp_release),
                                  element(2, application:get_key(ssl, vsn))]),
    ok;
main([PortS, HonorS | Files]) when length(Files) >= 2, length(Files) rem 2 =:= 0 ->
    {ok, _} = application:ensure_all_started(ssl),
    Port = list_to_integer(PortS),
    Honor = list_to_atom(HonorS),
    CertsKeys = pairs(Files),
    Opts = [{ip, {127, 0, 0, 1}},
            {reuseaddr, true},
            {active, false},
            {mode, binary},
            {packet, line},
            {backlog, 128},
            {versions, ['tlsv1.3', 'tlsv1.2']},
            {certs_keys, CertsKeys},
            {honor_cipher_order, Honor},
            {log_level, none}],
    {ok, L} = ssl:listen(Port, Opts),
    io:format("READY ~p~n", [Port]),
    accept(L);
main(_) ->
    io:format(standard_error,
              "usage: tls_server.escript PORT true|false CERT KEY [CERT KEY ...]~n", []),
    halt(2).

%% {Hash, Sign} pairs (TLS 1.2 style) as "Hash+Sign", scheme atoms as is
alg_str({H, S}) -> atom_to_list(H) ++ "+" ++ atom_to_list(S);
alg_str(A) when is_atom(A) -> atom_to_list(A).

version('tlsv1.3') -> {3, 4};
version('tlsv1.2') -> {3, 3}.

pairs([C, K | Rest]) -> [#{certfile => C, keyfile => K} | pairs(Rest)];
pairs([]) -> [].

accept(L) ->
    case ssl:transport_accept(L) of
        {ok, T} ->
            Pid = spawn(fun() -> receive go -> serve(T) end end),
            _ = ssl:controlling_process(T, Pid),
            Pid ! go;
        _ ->
            ok
    end,
    accept(L).

serve(T) ->
    case ssl:handshake(T, 10000) of
        {ok, S} ->
            _ = ssl:recv(S, 0, 10000),
            _ = ssl:send(S, <<"ok\n">>),
            ssl:close(S);
        _ ->
            ok
    end.
