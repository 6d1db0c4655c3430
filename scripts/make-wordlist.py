#!/usr/bin/env python3
"""Regenerate crypto/src/wordlist-id.txt: 2048 common Indonesian words for reporter
passphrases (7 words = 77 bits).  The list is checked into git; this script records
how it was made so it can be audited or regenerated.

Sources (all from package registries, nothing downloaded at run time):
  * wordfreq 3.1.1 (PyPI), language "id": candidates, in descending frequency.
  * Debian hunspell-id 1:7.5.0-1, /usr/share/hunspell/id_ID.dic: a candidate must be a
    lowercase ROOT entry (drops affixed forms like "membuat", typos, most slang/names).
  * Debian wamerican 2020.12.07-2, /usr/share/dict/words: a candidate that is also an
    English word is dropped unless listed in NATIVE (native words that merely look
    English, e.g. "main", "raja", "batu").
  * Debian apertium-ind-zlm 0.1.2-3 (run with lt-proc from lttoolbox): a candidate whose
    only analyses are function-word tags (preposition, conjunction, pronoun, determiner,
    particle, interjection, adverb) is dropped.
  * BLOCK: words removed by hand review, grouped by reason (see the comments there).

Mechanical filters: ^[a-z]{4,8}$; dictionary root; not English; not a function word;
not in BLOCK.  Greedy selection in frequency order: keep a word only if no kept word is
a prefix of it or has it as a prefix, and its Levenshtein distance to every kept word
is >= 2.  The first 2048 kept words are written sorted, one per line.  (A unique first
four letters is not enforced: it would push the list into rare words.)

Needs:  pip install wordfreq==3.1.1
        apt-get install hunspell-id wamerican apertium-ind-zlm
Usage:  python3 scripts/make-wordlist.py [output path]
"""
import re
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import wordfreq

N = 2048
OUT = Path(__file__).resolve().parent.parent / "crypto" / "src" / "wordlist-id.txt"
HUNSPELL = "/usr/share/hunspell/id_ID.dic"
ENGLISH = "/usr/share/dict/words"
APERTIUM = "/usr/share/apertium/apertium-ind-zlm/ind-zlm.automorf.bin"
FUNCTION_TAGS = {"pr", "cnjsub", "cnjcoo", "cnjadv", "prn", "det", "rel", "part", "ij", "adv"}

# Native Indonesian words that also appear in the English word list; kept as candidates.
NATIVE = set("""
    adas agar ajar alas asap baku banding bantu batik batu bela biro bola bursa cara
    dada debar ember gong gores guru ikon kali karat kari lain lama lamar lima loyang
    main mantel merak miring mobil modal nona pena pipit pita raja ranting rebus ronda
    samar sampan sana saran sore soto surat tanya taring tempe teri timur tipis tong
    tunas
""".split())

BLOCK = {
    # proper nouns: people, places, ethnic groups, brands, months/days
    'proper': """
    abidin abuan abul aceh adipura adnan afrika agam agil agung agus agustus ahad ahsan
    akak akang akmal alfa alik aljazair alon ambar amerika amil amor ampat ampel anang
    ancol andalas andika angga anggara anis anjir anyang aram aras ardi arifin arik aris
    arun arya asad asih aswad atlantik atma aung awang ayan ayub ayunda aziz babon badar
    bagas bagong bahak bahuku bajaj bambang bana banda bandar banjar banua baran bari
    batak batara bayak bayan bayu bebi belanda belawan belgia belitung beluk bengawan
    beni beru biak bidara binjai bintan bogor boko boku bopeng bora bowo brasil buana
    budiman bulak bulus burhan buyung caca candra catu cawang ceng cepu cina coban dapa
    daro datu dayu dian dias dito dominika doni efendi elon emirat endang erti fadil
    fuad gadung galih galuh gama gandaria gani garuda garut gatot gebang gebu gedong
    gempol gilang gili giri gita gojek gondang gunawan halim hamzah hanif haris hasan
    hatta huda hujung ibnu ibra ihsan ilah imlek inggris isra istiqlal jabal jabar jabir
    jabung jaka jalang jamil jember jembrana johan johar jombang jonggol jumat kaba
    kabir kadir kalang kamal kamil kana karel karim karsa kartika kasad kasim katolik
    kecik kemal kemang kendal kerok kiara kidul kiran kirana koja kokas kuala kulon
    kundang kupang kusuma kuta lala lampung langkat latif lawang lebak lembang leng
    lenteng lombok madang mahesa mahmud malaka malang malik maman mamat mandar manyar
    matan maulana maung mendut mentang menteng meru mesut minggu mizan mori mudi muri
    nadim nagari naim nanang nara nawa nugraha nyang oppo orak padang padma palapa
    pandawa pasai pasi pepe pera permana pika poso puan puput putu rabu raden rafi
    raharja rahayu rahman rais raka randa rangga rani rasyid ratna regan rembang rian
    rida rini risa roma rondo rudi sabah sabang sado sakura salim samin samir sampang
    sanga sano sasa sasi saut sawangan sedu sekar seling selir sema semanggi sena sentul
    sepang serbi serdang serui setiawan siak siau singkil siti siur solok subang suki
    sulut sumba sumbar sunan sundari suryani sutan syarif tahir tangsel tanin tatang
    taufik tawang tegal tengger tengku tera tika titi tomang toro tres tual tuban turi
    ucok ulan ulos ulun wahid wijaya wirawan wulan yahudi yasmin zulfikar
    """,
    # religious, mystical or occult terms
    'religious': """
    adab agama akad akhirat akhlak akhwat akidah alaikum alamin alif alim almarhum amal
    amanah amin ampun amsal arwah asar askar ateis aulia aurat ayat azab azan bapa
    baptis berhala berkah berkat biara biarawan biksu bilal binti bodhi brahmana bruder
    candi ceramah dakwah dalil darma darwis datuk dayah dewa dewata dewi dosa duniawi
    dupa ekaristi fanatik farisi fatihah fatwa fikih firaun firdaus firman fitrah fitri
    gaib gatra gereja gusti habib hadis hajat haji hakiki halal haleluya hamba haram
    hayat hidayah hijab hijrah hijriah hikmah hikmat hilal hisab ibadah ibadat ibunda
    ihwal ijab ijtihad ikhlas ikhtiar ikhwan ikrar ilahi iman injil insani insya irsyad
    islami isya jalal jampi jazirah jemaah jemaat jilbab jimat kabilah kafan kafilah
    kafir kapel kardinal karunia katedral kayangan keramat kerawang keris kerudung
    khalifah khatam khatib khitan khotbah khusyuk kiai kiamat kiblat kitab kodrat komuni
    koran kudus kuil kultus kurban laknat lebaran lingga madani magrib maha maksiat
    malaikat masjid masya masyhur maulid mazhab mazmur mezbah milad mimbar mina misa
    mistik mistis mualaf mujahid mukena mukjizat mukmin muktamar munafik mursyid murtad
    musafir musala mushaf muslimat muslimin musyrik nabi najis nasab nazar nazir neraka
    nikah nirwana nubuat pahala paroki paskah paus peci pekerti penatua pendeta perawi
    pertiwi petuah puasa puja pura puspita rabi rahib rahmat rakaat rasul rebana religi
    religius retret riba rohani rujuk sabat sabda sahih sahur sajadah sakinah sakral
    sakramen sakti salaf salat saleh salib sanad santo santri saur sedekah sekte sembah
    sesajen sesat sihir sinode subuh suci sujud sunah sunat surah surau surga surgawi
    syafaat syah syahadat syahid syariat syekh syiar syirik syuhada syukur tafsir
    tahajud tahlil tajwid takbir takdir takhayul taklim takwa talak tapa tarekat tarikh
    tasawuf tasbih tauhid tawakal teolog teologi teologis trinitas tuhan tulah ukhuwah
    ulama umat umrah uskup ustaz wahyu wakaf wangsit wasiat yatim zakat zamzam ziarah
    zodiak zuhud zuhur
    """,
    # violence, death, crime, weapons, disaster, disease, alcohol/drugs, harsh negatives
    'violence': """
    adiktif agresif ajal algojo alkohol amarah ancam angkara angker aniaya antek arak
    artileri astaga autisme autopsi bahaya bakar balistik bandang bangkai banjir bantai
    barbar begal bejat belati belenggu belulang bencana benci bengis bentrok berak
    biadab binasa bisu bobol bodoh bohong borok budak buli bungkam buntung bunuh buron
    buru buta cacat caci calo cambuk candu celaka cerai culik curang curi darah darurat
    delusi dendam dengki depresi dera derita desus diare dinamit disentri drakula duda
    duka dukun durhaka dusta ekstasi epidemi epilepsi erupsi evakuasi fitnah ganas ganja
    ganjar gantung gawat geledah gempa genosida gentar geram gerilya golok granat gugat
    gugur hajar hancur hantam hantu hina histeria infeksi ingkar intrik jahanam jahat
    janda jasad jenazah jerat jeruji judi kalap kambuh kampret kanibal kanker kapak
    kasino katarak kavaleri kejam kejang keji keling kencing kentut keparat kesasar
    khilaf kista koktail kolera korban kremasi kubur kuburan kusta lahar lalim lawan
    lebam ledak lesi longsor luka lumpuh mabuk makam makar maki maling mampus mandul
    marah martir mati maut mayat melarat mendera meriam mesiu minggat misil morfin
    mortir muntah murka musibah muslihat musnah musuh mutilasi nahas nanah nongol nyawa
    onar paksa pandemi parang pedang pelatuk pelet peluru penggal penjara perang
    perompak petaka piatu pipis pisau pocong polip posesif psikopat puing pukul pungli
    racun rampas rampok ranjau rentenir retensi rudal runtuh rusuh sadis sampanye
    sandera santet sedingin sekarat senapan sengsara senjata seram serang serbu setan
    sial sianida sifilis siksa siluman sipir sumpah sungkawa tahi takluk takut tangkap
    tarung tebas tembak tempur tendang terjang teror teroris teruk tewas tiada tikam
    tinja tinju tipu tiran tirani toksin tolol tombak tragedi tragis tuak tuduh tuli
    tumbal tusuk tuyul usut wabah wafat wiski zalim
    """,
    # politics, law, police/military, officials, money scandals: loaded for a whistleblowing tool
    'politics': """
    adidaya advokasi advokat agresi aklamasi aktiva aktivis akuisisi aliansi amnesti
    amplop amunisi anarki anarkis aparat aparatur asasi aspirasi baliho banteng batalion
    beringin berontak bintara birokrat bocor boikot bordil brigadir bukti bupati buruh
    camat cukai curiga dana defisit delik demokrat denda deputi detektif dewan diktator
    dinasti dividen dualisme dubes eksekusi ekuitas emiten eselon etnik etnis fasis
    federasi fiskal forensik fraksi garda gegana golput grasi gubernur hakim hegemoni
    hipotek honorer hukum ideologi ilegal imperium informan insiden inspeksi invasi
    jaksa jenderal kabinet kader kades kadet kaliber kampanye kanselir kartel kasasi
    kasta kasus kisruh klausul koalisi kolonel kolonial komandan komando komisi komodor
    kompi komunis kondusif konflik kongres konsesi kontra kopral korporat korps korup
    korupsi koruptor kriminal krisis kuasa kubu kudeta kwartir lapor laskar legiun
    lengser letnan loyalis lurah mahkamah majelis makelar mandat mangkir marinir markas
    marsekal massa menteri merdeka milisi militan militer monarki moneter monogami mosi
    nuklir obligasi oknum operasi oposisi orde ortodoks otonom otonomi otoritas otoriter
    pailit pajak pakta palsu pamong panglima panitera parlemen partai pasal patih
    patroli pecat pecinan peleton penggawa penghulu perdata periksa perkara perwira
    petinggi petisi pidana piutang plagiat pleno polemik poligami polis polisi politik
    politis prajurit preman preseden presiden pribumi protes proyek radikal rahasia
    raksa rakyat rasial rasisme razia remisi represif republik reserse reses resesi
    residen resimen revolusi rezim sabotase sabung sadap saksi sanksi sara sekuler
    sekuriti sekutu senat sengketa serdadu serikat sersan sidang sindikat sipil skandal
    skuadron sosialis spionase suap subsidi suksesi suku suri syarikat taipan tentara
    tikus tilang togel tuntut ungkap upeti valuta vonis yudisial yudisium yuridis
    """,
    # sexual, intimate body parts, vulgar words, insults
    'sexual': """
    aborsi anjing babi banci bangsat bego bokong bugil cabul coli cupang desah dubur
    ereksi erotis feses gairah goblok haid hamil homo impoten intim janin jilat kawin
    kebelet kelamin klitoris kontol lesbi memek mens mesum montok monyet nafsu onani
    orgasme ovarium pantat payudara perawan perjaka perkosa prostat puting rahim
    rangsang ranjang seks seksi seksual seronok sinting sodomi sperma susuk syahwat
    tetek waria zakar zina
    """,
    # slang, colloquial, regional (Javanese/Sundanese/Betawi), Malay-only, regional dishes
    'colloquial': """
    abah abis adem adinda agan alaihi amit ampe ananda andong anyar arek ayahanda baba
    babu bacot bada badung baginda bajing baka bakpia bala balau barusan belo bentar
    berai bikin bini bocah bodong bondong bule bumbung buni buset buya cakep carik cece
    cewek cilik cilok comel cowok cuek culun cupu dadi daeng dalem degan demen dikit
    doang doeloe dolan dong doyan duit dukuh edan emang embel embung empu empunya encik
    engah enggak eyang gada gado gadungan gaga galau gamis gede geger gembong gendut
    gerik gesa geulis golek gudeg hana hasta hayo hiruk jadah jaja jali jaran jawi jebol
    jeng jero jidat jiran joglo juragan kacung kagak kalo kang kangen kanjeng kapang
    kapita kasi kasut katil kawi kawula keburu kece kelab kenceng keok kepincut kesah
    kesel ketek ketemu ketoprak klop kongsi koplo korsel kribo kudu kung kupat kuping
    laik lalang lamun langgar lansia lawas lian liat ling liong makara makcik mala mama
    mamah mamak mami manda mandau mandir mang manggung manten mantu masin mayur mbah
    mbak melek mendoan mentok mepet mimisan mojang mondok nang natur neng ngebut ning
    nipis noni nyai nyak ogah olok omong oncom oren pacet paduka pakcik pakde papa papi
    paser pencet pendopo pengin ponakan pora prabu pundi rada rana rejang reksa reog
    resik ringgit rong saban sableng sala sampean sangsi sani sasana satpam seba sebel
    selo seluar semena senarai sendal seok sepuh sesepuh seti sewu sikit silih sirah
    siri soba sono sori sreg suda sukan syok tahniah teka tele teler teng teteh tian
    tolok tuanku tukul tung uber umbul umpet urang urip waduh wana wedang wira yura
    """,
    # words whose spelling is commonly confused with a variant (apotek/apotik style): pick neither
    'variant': """
    ambulans analisis antre anugerah apotek areal asyik atlet atmosfer bakmi bakpao
    bakti baterai begadang cabai capek cedera cokelat dobel eksotik ekstrem estetik
    fondasi gabah gorden gubuk hafal hakikat handal hektare ijazah izin jadwal kacamata
    kantong kantung kaos kapuk karier karisma kaus kecoak kedelai keraton keripik
    kerupuk kesatria khawatir kokoh komplain kompleks komplet konkret kosakata kualitas
    kukuh lembap lotre lubang makhluk mangkok mentimun merek miliar mubazir mutakhir
    nakhoda nampak nanas napas nasihat nomor objek objektif olahraga omzet pegal pelat
    personel pijat praktik provinsi rangking rapi rapor relaks respons rezeki riil
    rileks risiko romantik rubah saksama samudra sarden saus sebal sekresi seprai
    setrika sopir standar stres subjek survei takhta telefon telepon telor telur
    tenteram timun tiroid ubah utang zaman zamrud
    """,
    # bound forms, halves of compounds/reduplications, function words, affixed forms, acronyms
    'fragment': """
    agak akalnya alang alih alun amar antah ataupun bakal bawakan belas belikan berangan
    beritahu berlaku betapa biarkan bolak camkan cerpen cikal cita curigai dadah dahsyat
    dang elpiji gadang gamat gamping gegar gotong humas istiadat jungkir karun kecuali
    kian kura kuyup laki laun lekang mari mega mengerti mengkaji muluk notabene paling
    para pelancar pelbagai pernik perum premis saka saking seantero sedari segala
    segenap sekira selaku selesa seluruh semata sembari semenjak senonoh sepak sepenuh
    sepoi seraya serendah setebal setinggi sungguh tentu terus tiap tilas tirta toserba
    usah
    """,
    # foreign-looking loans, English spellings, foreign currencies
    'foreign': """
    bani bisbol bodi boks dinar dirham dolar draf eror furnitur geng hoki joging kafe
    kamp katakana kungfu mahar maraton mendiang midi mochi modus pers porto progres
    respek rupiah sampo sandi servis skuat slot stroberi suvenir tisu tren vespa
    """,
    # learned or technical jargon an ordinary clerk does not use every day
    'technical': """
    absolut aditif afiliasi agraria agregat aljabar ambigu amonia analitis analogi
    andesit anestesi anomali antibodi arkeolog arteri asetat biner biokimia biopsi biota
    bruto cadar dengue deposito detektor devisa dioksida distorsi doktrin domisili
    drainase duplikat ekologi ekologis eksponen ekstensi elektro elektron embrio empiris
    enkripsi entitas enzim epitel esensial estetika etanol fasad feminin feromon filsuf
    firma fluida folikel formalin fosfat fosfor fragmen frasa fruktosa generik genetika
    genetis genom geodesi geologi gletser glukosa gotik grafika griya hayati heroik
    hibrida hidrasi hidrogen hipnosis hipnotis homogen humanis idealis implan impuls
    inisiasi inklusif inkubasi ironi isotop kalkulus kapiler kapital kappa karst katalis
    kemih kinetik klausa klimaks kliring kloning klorida klorofil kognitif kolagen
    kolektif komposit kompresi konselor kontur korelasi korona koroner korosi korosif
    korteks kosmos krida kromosom kronis kuadran kuantum kubik kurator labil laktat
    laktosa laten lempeng lumen madya majemuk mandala maniak maskulin materiil matriks
    membran meranti mercu merkuri metafora metana meteorit metrik milenium mitologi
    motorik mukosa nabati natrium nihil nikel nitrat normatif numerik obesitas ofensif
    oksida oksidan oksidasi orasi orkestra pankreas paradoks paralel parsial partisi
    patogen patologi periodik perkamen permai persada pigmen plakat plasenta polimer
    portabel postur potasium primata promotor proporsi psikis puber pubertas puspa
    reaktor regresi relik relokasi resensi residu risalah royalti ruam rubrik sanitasi
    sedimen seismik selaput selulosa semantik silika silikon simetri simetris sindrom
    sinergi sintesis sintetik sintetis sipit skeptis spasial spektrum spesimen spora
    stimulan substrat sulfat suspensi taiga tektonik telepati tematik teoretis tersier
    tetra tipikal titel traksi trisula turbin utilitas varietas vegetasi vena zenit
    """,
    # archaic, literary, obscure or ambiguous words
    'obscure': """
    akil alah ambing anta babad bahana basa becus beliung bubu buyut etape falah
    falsafah fana foya gambir graha harkat intai khazanah koil liang marut masala medik
    nahi ordo pati peranti perindu pincang pranata rami rawi rica safar sein sigi silap
    simultan sita tabut teki totok wangsa zirah
    """,
}
BLOCKED = {w for words in BLOCK.values() for w in words.split()}


def function_words(words):
    """Words that apertium analyses only as function words."""
    out = subprocess.run(["lt-proc", APERTIUM], input="\n".join(words) + "\n",
                         capture_output=True, text=True, check=True).stdout
    result = set()
    for line in out.splitlines():
        m = re.match(r"\^([^/]+)/(.*)\$$", line.strip())
        if not m:
            continue
        tags = {re.findall(r"<([^>]+)>", a)[0] for a in m.group(2).split("/") if "<" in a}
        if tags and tags <= FUNCTION_TAGS:
            result.add(m.group(1))
    return result


def near(a, b):
    """True if Levenshtein(a, b) <= 1."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 1
    if len(a) > len(b):
        a, b = b, a
    return any(b[:i] + b[i + 1:] == a for i in range(len(b)))


def candidates():
    roots = set()
    with open(HUNSPELL, encoding="ascii") as f:
        for line in f:
            roots.add(line.strip().split("/")[0])
    with open(ENGLISH, encoding="utf-8", errors="ignore") as f:
        english = {w.strip().lower() for w in f}
    words = [w for w in wordfreq.top_n_list("id", 10**6)
             if re.fullmatch("[a-z]{4,8}", w) and w in roots]
    func = function_words(words)
    return [w for w in words
            if (w not in english or w in NATIVE) and w not in func and w not in BLOCKED]


def select(words):
    kept = []
    for w in words:
        if any(k.startswith(w) or w.startswith(k) or near(w, k) for k in kept):
            continue
        kept.append(w)
        if len(kept) == N:
            return kept
    sys.exit(f"only {len(kept)} words passed the filters")


def check(words):
    assert len(words) == N and words == sorted(set(words))
    assert all(re.fullmatch("[a-z]{4,8}", w) for w in words)
    for a, b in combinations(words, 2):
        assert not (a.startswith(b) or b.startswith(a) or near(a, b)), (a, b)


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    words = sorted(select(candidates()))
    check(words)
    out.write_text("\n".join(words) + "\n")
    print(f"wrote {len(words)} words to {out}")


if __name__ == "__main__":
    main()
