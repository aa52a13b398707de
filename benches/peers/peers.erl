%% The workloads of BENCHMARKS.md for Erlang/OTP, the same shapes as the
%% Rust systems in src/: run by run.sh as
%%   erl -noshell +S 2:2 -pa DIR -run peers main WORKLOAD RUNS [quick] -s init stop
%% It prints RUNS times in nanoseconds (after one warm-up), or, for
%%   erl -noshell +S 2:2 -pa DIR -run peers memory -s init stop
%% the bytes per idle process from erlang:memory(processes), or, for
%%   erl -noshell +S 2:2 -pa DIR -run peers broadcast_memory [quick] -s init stop
%% the bytes a shared and a cloned broadcast leave allocated.
-module(peers).
-export([main/1, memory/0, broadcast_memory/0, broadcast_memory/1]).
%% The callbacks of the ecosystem workload's supervisor and gen_servers.
-export([init/1, handle_call/3, handle_cast/2]).

main(["ask-async", _ | _]) ->
    %% Every Erlang call is made from a process: `ask` is the only form.
    io:format("n/a~n");
main([Workload, Runs | Rest]) ->
    Quick = lists:member("quick", Rest),
    W = size(list_to_atom(Workload), Quick),
    run(W),                                  % warm-up
    Times = [run(W) || _ <- lists:seq(1, list_to_integer(Runs))],
    io:format("~s~n", [lists:join(" ", [integer_to_list(T) || T <- Times])]).

scale(N, true) -> N div 10;
scale(N, false) -> N.

size(spawn, Q) -> {spawn, scale(100000, Q)};
size(pingpong, Q) -> {pingpong, scale(1000000, Q)};
size(stream, Q) -> {stream, scale(1000000, Q)};
size(fanin, Q) -> {fanin, 64, scale(1000000, Q) div 64 * 64};
size(ring, Q) -> {ring, 100, scale(1000000, Q)};
size(forkjoin, Q) -> {forkjoin, scale(40000, Q)};
size(broadcast, Q) -> {broadcast, scale(1000, Q), 1 bsl 20, shared};
size('broadcast-cloned', Q) -> {broadcast, scale(1000, Q), 1 bsl 20, cloned};
size('ecosystem-10', _) -> {ecosystem, 10};
size('ecosystem-100', _) -> {ecosystem, 100};
size('ecosystem-1000', _) -> {ecosystem, 1000};
size(ask, Q) -> {ask, scale(20000, Q)}.

now_ns() -> erlang:monotonic_time(nanosecond).

%% ---- spawn: N idle processes, then stop them all ------------------------
run({spawn, N}) ->
    T0 = now_ns(),
    Pids = [spawn_monitor(fun idle/0) || _ <- lists:seq(1, N)],
    [Pid ! stop || {Pid, _} <- Pids],
    [receive {'DOWN', Ref, process, _, _} -> ok end || {_, Ref} <- Pids],
    now_ns() - T0;

%% ---- pingpong: N round trips ---------------------------------------------
run({pingpong, N}) ->
    Self = self(),
    Ponger = spawn(fun ponger/0),
    Pinger = spawn(fun() -> receive go -> pinger(Ponger, N, Self) end end),
    T0 = now_ns(),
    Pinger ! go,
    receive done -> ok end,
    T = now_ns() - T0,
    Ponger ! stop,
    T;

%% ---- stream: one producer, one counting receiver, N messages ------------
run({stream, N}) -> fanin(1, N);

%% ---- fanin: K producers, one receiver, N messages in all ----------------
run({fanin, K, N}) -> fanin(K, N);

%% ---- ring: a token, Hops hops around R processes -------------------------
run({ring, R, Hops}) ->
    Self = self(),
    Members = [spawn(fun() -> ring_member(Self) end) || _ <- lists:seq(1, R)],
    [First | _] = Members,
    Nexts = tl(Members) ++ [First],
    [M ! {next, Next} || {M, Next} <- lists:zip(Members, Nexts)],
    T0 = now_ns(),
    First ! {token, Hops},
    receive done -> ok end,
    T = now_ns() - T0,
    [M ! stop || M <- Members],
    T;

%% ---- forkjoin: W workers, one message each, each answers and exits -----
run({forkjoin, W}) ->
    Self = self(),
    T0 = now_ns(),
    [spawn(fun worker/0) ! {work, I, Self} || I <- lists:seq(1, W)],
    [receive {result, _} -> ok end || _ <- lists:seq(1, W)],
    now_ns() - T0;

%% ---- ecosystem: a supervisor, a gen_server coordinator and W gen_server
%% workers; one request per worker through the coordinator (given the
%% workers by which_children), every answer awaited. Stopped afterwards.
run({ecosystem, W}) ->
    process_flag(trap_exit, true),
    T0 = now_ns(),
    {ok, Sup} = supervisor:start_link(?MODULE, {ecosystem, W}),
    Children = supervisor:which_children(Sup),
    Workers = [Pid || {{worker, _}, Pid, _, _} <- Children],
    [Coordinator] = [Pid || {coordinator, Pid, _, _} <- Children],
    W = gen_server:call(Coordinator, {go, Workers}, infinity),
    T = now_ns() - T0,
    exit(Sup, shutdown),
    receive {'EXIT', Sup, _} -> ok end,
    T;

%% ---- ask: N gen_server:calls to one echo server, one after the other ----
run({ask, N}) ->
    {ok, Echo} = gen_server:start(?MODULE, echo, []),
    T0 = now_ns(),
    ask(Echo, N),
    T = now_ns() - T0,
    gen_server:stop(Echo),
    T;

%% ---- broadcast: G members keep a 1 MiB binary: shared, or a copy each ---
run({broadcast, G, Bytes, How}) ->
    {T, _Bytes} = broadcast(G, Bytes, How),
    T.

%% Returns the time and the bytes left allocated while every member holds
%% its payload. A binary this large is reference-counted and shared between
%% processes by the runtime itself; `binary:copy/1` makes a copy each.
broadcast(G, Bytes, How) ->
    Self = self(),
    Members = [spawn(fun() -> keeper(Self) end) || _ <- lists:seq(1, G)],
    erlang:garbage_collect(),
    Before = erlang:memory(total),
    T0 = now_ns(),
    Data = binary:copy(<<7>>, Bytes),
    [M ! {keep, case How of shared -> Data; cloned -> binary:copy(Data) end}
     || M <- Members],
    [receive kept -> ok end || _ <- Members],
    T = now_ns() - T0,
    Left = erlang:memory(total) - Before,
    [M ! stop || M <- Members],
    {T, Left}.

%% The supervisor's children (workers first, then the coordinator, as
%% Foundation's EcosystemSpec starts them), and the gen_servers' states.
init({ecosystem, W}) ->
    Workers = [#{id => {worker, I},
                 start => {gen_server, start_link, [?MODULE, worker, []]}}
               || I <- lists:seq(1, W)],
    Coordinator = #{id => coordinator,
                    start => {gen_server, start_link, [?MODULE, coordinator, []]}},
    {ok, {#{strategy => one_for_one, intensity => 3, period => 5},
          Workers ++ [Coordinator]}};
init(worker) -> {ok, worker};
init(echo) -> {ok, echo};
init(coordinator) -> {ok, idle}.

handle_call({echo, N}, _From, echo) ->
    {reply, N, echo};
handle_call({go, Workers}, From, idle) ->
    [gen_server:cast(P, {request, self()}) || P <- Workers],
    {noreply, {waiting, length(Workers), length(Workers), From}}.

handle_cast({request, Coordinator}, worker) ->
    gen_server:cast(Coordinator, answer),
    {noreply, worker};
handle_cast(answer, {waiting, 1, Total, From}) ->
    gen_server:reply(From, Total),
    {noreply, idle};
handle_cast(answer, {waiting, Left, Total, From}) ->
    {noreply, {waiting, Left - 1, Total, From}}.

ask(_, 0) -> ok;
ask(Echo, N) ->
    N = gen_server:call(Echo, {echo, N}, infinity),
    ask(Echo, N - 1).

keeper(Parent) ->
    receive {keep, Data} -> Parent ! kept, keeper_hold(Data) end.

keeper_hold(Data) ->
    receive stop -> byte_size(Data) end.

idle() -> receive stop -> ok end.

pinger(_, 0, Parent) -> Parent ! done;
pinger(Ponger, N, Parent) ->
    Ponger ! {ping, self()},
    receive pong -> pinger(Ponger, N - 1, Parent) end.

ponger() ->
    receive
        {ping, From} -> From ! pong, ponger();
        stop -> ok
    end.

fanin(K, N) ->
    Self = self(),
    Counter = spawn(fun() -> counter(0, N, Self) end),
    Each = N div K,
    Producers = [spawn(fun() -> receive go -> produce(Counter, Each) end end)
                 || _ <- lists:seq(1, K)],
    T0 = now_ns(),
    [P ! go || P <- Producers],
    receive done -> ok end,
    now_ns() - T0.

counter(Target, Target, Parent) -> Parent ! done;
counter(Seen, Target, Parent) ->
    receive {count, _} -> counter(Seen + 1, Target, Parent) end.

produce(_, 0) -> ok;
produce(Counter, N) -> Counter ! {count, N}, produce(Counter, N - 1).

ring_member(Parent) ->
    receive {next, Next} -> ring_loop(Next, Parent) end.

ring_loop(Next, Parent) ->
    receive
        {token, 0} -> Parent ! done, ring_loop(Next, Parent);
        {token, H} -> Next ! {token, H - 1}, ring_loop(Next, Parent);
        stop -> ok
    end.

worker() ->
    receive {work, I, From} -> From ! {result, (I * 2654435761) bsr 7} end.

%% ---- bytes per idle process ---------------------------------------------
memory() ->
    N = 10000,
    erlang:garbage_collect(),
    Before = erlang:memory(processes),
    Pids = [spawn(fun idle/0) || _ <- lists:seq(1, N)],
    timer:sleep(100),
    After = erlang:memory(processes),
    io:format("~w~n", [(After - Before) div N]),
    [P ! stop || P <- Pids],
    ok.

%% ---- bytes a broadcast leaves allocated: shared, then cloned -------------
%% (`-run peers broadcast_memory` without arguments calls the arity 0.)
broadcast_memory() -> broadcast_memory([]).

broadcast_memory(Args) ->
    Quick = lists:member("quick", Args),
    {broadcast, G, Bytes, _} = size(broadcast, Quick),
    {_, Shared} = broadcast(G, Bytes, shared),
    {_, Cloned} = broadcast(G, Bytes, cloned),
    io:format("~w ~w~n", [Shared, Cloned]),
    ok.
